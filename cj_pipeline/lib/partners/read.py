"""One entry point for every partner file: the recipes of its source, else the built-in ones.

`read_partner_file(data, file_name, source)` is what intake and
`cj-pipeline partners preview` both call, so a preview shows exactly what a run
would load:

1. When a recipe of the source (data/recipes/<source>/*.toml) names the file in
   its `files` globs, the recipes read it (`extract`): .xlsx, legacy .xls and
   .csv, under the safety limits, with the row limit raised to a recipe's
   `max_rows`. A recipe that no longer matches its table rejects the file with
   the recipe, the sheet, what it looked for and what it found.
2. Otherwise the fallback recipes read it: the data contract's two layouts,
   shipped as data/recipes/builtin/data_contract.toml and named
   `BUILTIN_RECIPE` in lineage and receipts, through the same engine. When they
   cannot read it either and the source has recipes, the receipt also says
   which recipes exist and which file names they read.

Either way a file is loaded whole or not at all: `accepted` is false on any
error, and callers store nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.partners.extract import extract
from cj_pipeline.lib.partners.measures import measure_units, unknown_source_issue, unplaced_issues
from cj_pipeline.lib.partners.parse import BUILTIN_RECIPE
from cj_pipeline.lib.partners.recipe import RECIPES_DIR, Recipe, RecipeError, load_recipes
from cj_pipeline.lib.partners.values import PartnerValue

__all__ = ["BUILTIN_RECIPE", "PartnerReading", "read_partner_file"]
from cj_pipeline.settings import Settings, get_settings


@dataclass
class PartnerReading:
    source: str
    file_name: str
    read_by: str  # "recipes", or the fallback recipe that read it (BUILTIN_RECIPE)
    values: list[PartnerValue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables_read: list[str] = field(default_factory=list)  # "recipe (sheet)", or sheets for a fallback
    empty_cells: int = 0

    @property
    def accepted(self) -> bool:
        return bool(self.values) and not any(issue.severity == ERROR for issue in self.issues)

    def rows(self) -> list[dict]:
        """raw.partner_values rows (without submission_id), in reading order."""
        return [asdict(value) for value in self.values]

    def summary(self) -> dict:
        """What a receipt says about the values read (empty when none were)."""
        if not self.values:
            return {}
        markers = Counter(v.marker for v in self.values if v.marker)
        return {
            "source": self.source,
            "read_by": self.read_by,
            "tables_read": ", ".join(self.tables_read),
            "rows_read": len(self.values),
            "rows_loaded": len(self.values) if self.accepted else 0,  # a file is loaded whole or not at all
            "empty_cells": self.empty_cells,
            "areas": len({v.area_code for v in self.values if v.area_code != SCOTLAND_CODE}),
            "scotland_row": "yes" if any(v.area_code == SCOTLAND_CODE for v in self.values) else "no",
            "years": ", ".join(sorted({v.financial_year for v in self.values})),
            "measures": ", ".join(sorted({v.measure for v in self.values})),
            "markers": ", ".join(f"{m} x{n}" for m, n in sorted(markers.items())) or "none",
        }


_RECIPE_FIX = (
    "Correct the recipe (docs/partners.md lists every key) and check it with cj-pipeline partners preview; "
    "then drop the file again."
)


def _reading(data: bytes, file_name: str, source: str, recipes: list[Recipe], settings: Settings):
    extraction = extract(data, file_name, source, recipes, settings)
    if extraction.by_fallback:
        read_by = ", ".join(dict.fromkeys(extraction.recipes_used)) or BUILTIN_RECIPE
        tables = list(extraction.tables_read)
    else:
        read_by, tables = "recipes", list(dict.fromkeys(f"{v.recipe} ({v.sheet})" for v in extraction.values))
    return PartnerReading(
        source, Path(file_name).name, read_by, extraction.values, extraction.issues, tables, extraction.empty_cells
    )


def read_partner_file(
    data: bytes,
    file_name: str,
    source: str,
    settings: Settings | None = None,
    recipes: list[Recipe] | None = None,
    recipes_dir: Path = RECIPES_DIR,
) -> PartnerReading:
    """Values and problems of one partner file, read the way intake reads it."""
    settings = settings or get_settings()
    units = measure_units(source)
    if not units:
        return PartnerReading(source, Path(file_name).name, "none", issues=[unknown_source_issue(source, file_name)])
    try:
        if recipes is None:
            recipes = load_recipes(source, recipes_dir, units, builtin=True)
    except RecipeError as problem:
        issue = Issue(ERROR, problem.code, str(problem), _RECIPE_FIX, value=Path(file_name).name)
        return PartnerReading(source, Path(file_name).name, "recipes", issues=[issue])
    reading = _reading(data, file_name, source, recipes, settings)
    # Nothing accepted goes nowhere: every value must be a measure of its source in the seed.
    reading.issues += unplaced_issues(source, {v.measure for v in reading.values}, units)
    return reading
