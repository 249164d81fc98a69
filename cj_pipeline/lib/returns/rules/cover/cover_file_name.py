"""A file name that names another area or year than the Cover is probably a slip.

The Cover decides (docs/data-contract.md section 2: the file name is free), so this only warns.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.problems import WARNING, CellProblem, Issue
from cj_pipeline.lib.core.seeds import read_seed
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.returns.layout import AREA_LABEL, YEAR_LABEL
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue

CODE = "file_name_mismatch"
SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when the file name names a different area or year from the Cover (the Cover wins)."

_YEAR_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_/ ]?(\d{4}|\d{2})(?!\d)")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


@cache
def _area_keys() -> tuple[tuple[str, str], ...]:
    keys = [(_squash(row["area_name"]), row["area_code"]) for row in read_seed("areas")]
    keys += [(_squash(row["area_code"]), row["area_code"]) for row in read_seed("areas")]
    keys += [(_squash(row["alias"]), row["area_code"]) for row in read_seed("area_aliases")]
    return tuple(keys)


def areas_named(file_name: str) -> set[str]:
    stem = _squash(Path(file_name).stem)
    return {code for key, code in _area_keys() if key and key in stem}


def years_named(file_name: str) -> set[str]:
    found = set()
    for start, end in _YEAR_IN_NAME.findall(Path(file_name).stem):
        try:
            found.add(normalise_year(f"{start}-{end}"))
        except CellProblem:
            continue
    return found


def check(ret: ReturnFile) -> list[Issue]:
    area_cell, year_cell = ret.cover_cell(AREA_LABEL), ret.cover_cell(YEAR_LABEL)
    issues = []
    try:
        area = normalise_area(area_cell.value)
    except CellProblem:
        area = None
    named = areas_named(ret.file_name)
    if area and named and area not in named:
        issues.append(
            issue(
                SEVERITY,
                CODE,
                area_cell,
                f"The file name '{ret.file_name}' names another area than the Cover, which says "
                f"'{area_cell.text}'. The Cover is used.",
                "Check the Cover is for the right council; rename the file to avoid confusion.",
            )
        )
    try:
        year = normalise_year(year_cell.value)
    except CellProblem:
        year = None
    years = years_named(ret.file_name)
    if year and years and year not in years:
        issues.append(
            issue(
                SEVERITY,
                CODE,
                year_cell,
                f"The file name '{ret.file_name}' names {', '.join(sorted(years))} but the Cover says "
                f"'{year_cell.text}'. The Cover is used.",
                "Check the Cover has the right financial year; rename the file to avoid confusion.",
            )
        )
    return issues
