"""The data contract's two partner layouts (docs/data-contract.md section 3), read by the recipe
engine like any other table.

The layouts are a recipe shipped with the project, data/recipes/builtin/data_contract.toml
(long: Area, Financial year or Year, one column per measure id; wide by year: Area, one
column per year, the measure being the sheet name or file stem). It reads any source's file
that no recipe of its source names, and goes by `builtin:data_contract` in lineage and
receipts. There is no second reader: this module only reads an already opened file with the
built-in recipes, for callers that hold an OpenedFile.
"""

from __future__ import annotations

from cj_pipeline.lib.core.workbook import OpenedFile
from cj_pipeline.lib.partners.extract import PartnerReading, extract_opened
from cj_pipeline.lib.partners.measures import measure_units, unknown_source_issue
from cj_pipeline.lib.partners.recipe import RECIPES_DIR, load_recipes


def parse_partner_file(opened: OpenedFile, source: str, file_name: str) -> PartnerReading:
    """Values and problems of an opened partner file of `source`, read by the built-in recipes."""
    units = measure_units(source)
    if not units:
        return PartnerReading(source, file_name, issues=[*opened.issues, unknown_source_issue(source, file_name)])
    recipes = [recipe for recipe in load_recipes(source, RECIPES_DIR, units, builtin=True) if recipe.fallback]
    return extract_opened(opened, file_name, source, recipes)
