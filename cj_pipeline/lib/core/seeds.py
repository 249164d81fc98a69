"""Read the reference data in data/seeds/ (the same CSVs dbt loads as seeds).

One source of truth: Python never keeps its own copy of a catalogue.
"""

from __future__ import annotations

import csv
from functools import cache

from cj_pipeline.settings import SEEDS_DIR

SCOTLAND_CODE = "S92000003"


@cache
def read_seed(name: str) -> tuple[dict[str, str], ...]:
    """Rows of data/seeds/<name>.csv as dicts of strings (cached: seeds are static)."""
    with open(SEEDS_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def local_authorities() -> list[dict[str, str]]:
    """The 32 council areas, in seed order (Scotland excluded)."""
    return [row for row in read_seed("areas") if row["area_type"] == "local_authority"]


def area_names() -> dict[str, str]:
    """GSS code -> official name, Scotland included."""
    return {row["area_code"]: row["area_name"] for row in read_seed("areas")}


def financial_years() -> list[str]:
    """Every financial year the pipeline knows, oldest first (drives partitions)."""
    return [row["financial_year"] for row in read_seed("financial_years")]


def partner_measures() -> dict[str, list[str]]:
    """Source -> its measure ids, in seed order (docs/data-contract.md section 3)."""
    by_source: dict[str, list[str]] = {}
    for row in read_seed("partner_measures"):
        by_source.setdefault(row["source"], []).append(row["measure"])
    return by_source


def evidence_catalogue() -> list[dict[str, str]]:
    return list(read_seed("local_evidence"))


def local_measure_catalogue() -> list[dict[str, str]]:
    return list(read_seed("local_measures"))


def outcomes() -> list[dict[str, str]]:
    return list(read_seed("outcomes"))


def indicators() -> list[dict[str, str]]:
    return list(read_seed("indicators"))
