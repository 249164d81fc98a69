"""One entry point for every partner file: the recipes of its source, else the built-in layouts.

`read_partner_file(data, file_name, source)` is what intake and
`cj-pipeline partners preview` both call, so a preview shows exactly what a run
would load:

1. When a recipe of the source (data/recipes/<source>/*.toml) names the file in
   its `files` globs, the recipes read it (`extract`): .xlsx, legacy .xls and
   .csv, under the safety limits, with the row limit raised to a recipe's
   `max_rows`. A recipe that no longer matches its table rejects the file with
   the recipe, the sheet, what it looked for and what it found.
2. Otherwise the two built-in layouts of the data contract read it
   (`parse.parse_partner_file`: long, and wide by year), unchanged. They act as
   the built-in recipe `BUILTIN_RECIPE`. When they cannot read it either and
   the source has recipes, the receipt also says which recipes exist and which
   file names they read.

Either way a file is loaded whole or not at all: `accepted` is false on any
error, and callers store nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.workbook import open_table_file
from cj_pipeline.lib.partners.extract import extract, no_recipe_issue, recipes_for_file
from cj_pipeline.lib.partners.measures import measure_units, unknown_source_issue, unplaced_issues
from cj_pipeline.lib.partners.parse import BUILTIN_RECIPE, PartnerValue, parse_partner_file
from cj_pipeline.lib.partners.recipe import RECIPES_DIR, Recipe, RecipeError, load_recipes
from cj_pipeline.settings import Settings, get_settings


@dataclass
class PartnerReading:
    source: str
    file_name: str
    read_by: str  # "recipes" or BUILTIN_RECIPE
    values: list[PartnerValue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables_read: list[str] = field(default_factory=list)  # "recipe (sheet)" or sheet names
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


def _by_recipes(data: bytes, file_name: str, source: str, recipes: list[Recipe], settings: Settings):
    extraction = extract(data, file_name, source, recipes, settings)
    tables = list(dict.fromkeys(f"{v.recipe} ({v.sheet})" for v in extraction.values))
    empty = sum(1 for i in extraction.issues if i.code == "empty_cells")
    return PartnerReading(source, Path(file_name).name, "recipes", extraction.values, extraction.issues, tables, empty)


def _by_builtin(data: bytes, file_name: str, source: str, recipes: list[Recipe], settings: Settings):
    opened = open_table_file(data, file_name, settings)
    parsed = parse_partner_file(opened, source, file_name)
    reading = PartnerReading(
        source,
        Path(file_name).name,
        BUILTIN_RECIPE,
        list(parsed.values),  # recipe: BUILTIN_RECIPE by default
        list(parsed.issues),
        list(parsed.tables_read),
        parsed.empty_cells,
    )
    if recipes and not reading.accepted:
        # Not our layout either: most likely a publication whose recipe does not name this file.
        reading.issues.append(no_recipe_issue(source, file_name, recipes))
    return reading


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
            recipes = load_recipes(source, recipes_dir, units)
    except RecipeError as problem:
        issue = Issue(ERROR, problem.code, str(problem), _RECIPE_FIX, value=Path(file_name).name)
        return PartnerReading(source, Path(file_name).name, "recipes", issues=[issue])
    if recipes_for_file(recipes, source, file_name):
        reading = _by_recipes(data, file_name, source, recipes, settings)
    else:
        reading = _by_builtin(data, file_name, source, recipes, settings)
    # Nothing accepted goes nowhere: every value must be a measure of its source in the seed.
    reading.issues += unplaced_issues(source, {v.measure for v in reading.values}, units)
    return reading
