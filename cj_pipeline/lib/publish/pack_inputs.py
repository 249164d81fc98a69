"""What the report packs are built from, indexed once for every pack.

The published (disclosure-controlled) tables of release.controlled_tables, the
indicator catalogue and lineage that release.load read, and each area's local
evidence statuses (text, nothing to control) read here from marts.fct_local_evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cj_pipeline.lib.core import seeds
from cj_pipeline.lib.core.db import connect, fetch_dicts
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE

NATIONAL_OUTCOMES = tuple(f"NO{i}" for i in range(1, 10))
CHAINS = {
    "NO1": ("diversion from prosecution", ("NO1_ASSESSMENTS", "NO1_COMMENCED", "NO1_COMPLETED")),
    "NO3": ("bail supervision", ("NO3_ASSESSMENTS", "NO3_COMMENCED", "NO3_COMPLETED")),
}


def local_evidence(warehouse_path: Path, year: str) -> list[dict]:
    """Each area's local supporting evidence for the year: one row per catalogue item."""
    with connect(warehouse_path, read_only=True) as con:
        return fetch_dicts(
            con,
            "select area_code, evidence_id, outcome_id, statement, evidence_status, commentary "
            "from marts.fct_local_evidence where financial_year = ? order by area_code, evidence_id",
            (year,),
        )


@dataclass
class Inputs:
    """Rows keyed for lookup: (area, indicator, year) for values, (area, indicator) for this year."""

    year: str
    release_id: str
    areas: dict[str, str]
    catalogue: dict[str, dict]
    outcomes: dict[str, str]
    years: list[str]
    values: dict[tuple, dict] = field(default_factory=dict)
    trends: dict[tuple, dict] = field(default_factory=dict)
    bench: dict[tuple, dict] = field(default_factory=dict)
    assessments: dict[str, dict[str, dict]] = field(default_factory=dict)
    evidence: dict[str, list[dict]] = field(default_factory=dict)
    local: dict[str, list[dict]] = field(default_factory=dict)
    lineage: dict[str, list[dict]] = field(default_factory=dict)
    completeness: dict[str, dict] = field(default_factory=dict)

    def value(self, area: str, indicator: str, year: str | None = None) -> dict | None:
        return self.values.get((area, indicator, year or self.year))

    def indicators_of(self, outcome: str, local_measures: bool = False) -> list[str]:
        """The outcome's indicators in framework order; local measures (from the returns) apart."""
        return [
            i
            for i, row in self.catalogue.items()
            if row["outcome_id"] == outcome and (row["source"] == "local_return") == local_measures
        ]

    def name(self, indicator: str) -> str:
        text = self.catalogue.get(indicator, {}).get("description") or indicator
        return text.replace(" 10000 ", " 10,000 ")

    def unit(self, indicator: str) -> str | None:
        return self.catalogue.get(indicator, {}).get("unit")


def _by(rows, key) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return dict(grouped)


def build_inputs(year, release_id, tables: dict[str, pl.DataFrame], raw: dict, evidence: list[dict]) -> Inputs:
    order = {r["indicator_id"]: n for n, r in enumerate(seeds.indicators())}
    catalogue = {
        r["indicator_id"]: r for r in sorted(raw["indicators"], key=lambda r: order.get(r["indicator_id"], 999))
    }
    outcomes = {o["outcome_id"]: o["outcome_name"] for o in seeds.outcomes() if o["outcome_id"] in NATIONAL_OUTCOMES}
    inputs = Inputs(
        year=year,
        release_id=release_id,
        areas={a["area_code"]: a["area_name"] for a in raw["areas"] if not a["is_scotland"]},
        catalogue=catalogue,
        outcomes=outcomes,
        years=[y for y in raw["years"] if y <= year],
    )
    for r in tables["indicator_values"].iter_rows(named=True):
        inputs.values[(r["area_code"], r["indicator_id"], r["financial_year"])] = r
    this_year = pl.col("financial_year") == year
    for r in tables["indicator_trends"].filter(this_year).iter_rows(named=True):
        inputs.trends[(r["area_code"], r["indicator_id"])] = r
    for r in tables["benchmark"].filter(this_year).iter_rows(named=True):
        inputs.bench[(r["area_code"], r["indicator_id"])] = r
    for area, rows in _by(tables["outcome_assessments"].filter(this_year).iter_rows(named=True), "area_code").items():
        inputs.assessments[area] = {r["outcome_id"]: r for r in rows}
    inputs.evidence = _by(evidence, "area_code")
    inputs.local = _by(tables["local_outcomes"].filter(this_year).iter_rows(named=True), "area_code")
    inputs.lineage = _by(raw.get("lineage") or [], "area_code")
    inputs.completeness = {
        r["area_code"]: r for r in tables["evidence_completeness"].filter(this_year).iter_rows(named=True)
    }
    return inputs


def scotland_only(inputs: Inputs, indicator: str) -> bool:
    return str(inputs.catalogue.get(indicator, {}).get("scotland_only")).lower() == "true"


__all__ = ["CHAINS", "NATIONAL_OUTCOMES", "SCOTLAND_CODE", "Inputs", "build_inputs", "local_evidence"]
