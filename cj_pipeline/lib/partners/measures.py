"""The partner sources and their measures, from data/seeds/partner_measures.csv.

The seed is the only list of partner sources: a source is known when it has a
row there, and every value a file yields must be one of its source's measures
(otherwise it would reach no table, and the file is rejected saying so).
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.seeds import read_seed

SEED = "data/seeds/partner_measures.csv"
SEED_COLUMNS = "source,measure,description,unit,scotland_only,required_for_gate,reconciles_with_areas"


def measure_units(source: str) -> dict[str, str]:
    """Measure id -> unit for one source, from the partner_measures seed."""
    return {row["measure"]: row["unit"] for row in read_seed("partner_measures") if row["source"] == source}


def scotland_only_source(source: str) -> bool:
    """Whether every measure of `source` is published for Scotland only (scjs)."""
    flags = [row["scotland_only"] == "true" for row in read_seed("partner_measures") if row["source"] == source]
    return bool(flags) and all(flags)


def known_sources() -> list[str]:
    return list(dict.fromkeys(row["source"] for row in read_seed("partner_measures")))


def unknown_source_issue(source: str, file_name: str) -> Issue:
    return Issue(
        ERROR,
        "unknown_source",
        f"'{source}' is not a partner source we know (file {file_name}): it has no rows in {SEED}, "
        "so its values would reach no table.",
        f"Put partner files in raw/partners/<source>/ with source one of: {', '.join(known_sources())}. "
        f"To add '{source}' as a new source, add one row per measure to {SEED} ({SEED_COLUMNS}) and a "
        f"recipe in data/recipes/{source}/ (docs/partners.md, 'Adding a new source').",
        value=source,
    )


def unplaced_issues(source: str, measures: set[str], units: dict[str, str]) -> list[Issue]:
    """One error per measure read that the seed does not have for `source`."""
    return [
        Issue(
            ERROR,
            "unknown_measure",
            f"Values for measure '{measure}' of {source} were read, but {SEED} has no row for "
            f"({source}, {measure}), so they would reach no table.",
            f"Add the row '{source},{measure},<description>,<unit>,...' to {SEED} ({SEED_COLUMNS}), "
            "or correct the measure id in the recipe.",
            value=measure,
        )
        for measure in sorted(measures - set(units))
    ]
