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

from pathlib import Path

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.partners.extract import PartnerReading, extract
from cj_pipeline.lib.partners.measures import measure_units, unknown_source_issue, unplaced_issues
from cj_pipeline.lib.partners.recipe import BUILTIN_RECIPE, RECIPES_DIR, Recipe, RecipeError, load_recipes
from cj_pipeline.settings import Settings, get_settings

__all__ = ["BUILTIN_RECIPE", "PartnerReading", "read_partner_file"]


_RECIPE_FIX = (
    "Correct the recipe (docs/partners.md lists every key) and check it with cj-pipeline partners preview; "
    "then drop the file again."
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
        return PartnerReading(source, Path(file_name).name, issues=[unknown_source_issue(source, file_name)])
    try:
        if recipes is None:
            recipes = load_recipes(source, recipes_dir, units, builtin=True)
    except RecipeError as problem:
        issue = Issue(ERROR, problem.code, str(problem), _RECIPE_FIX, value=Path(file_name).name)
        return PartnerReading(source, Path(file_name).name, issues=[issue])
    reading = extract(data, file_name, source, recipes, settings)
    # Nothing accepted goes nowhere: every value must be a measure of its source in the seed.
    reading.issues += unplaced_issues(source, {v.measure for v in reading.values}, units)
    return reading
