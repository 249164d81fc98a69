"""The Cover gives a real financial year (2024-25, 2024/25, FY2024-25 ...)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.returns.layout import YEAR_LABEL
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue

CODE = "impossible_year"
CODES = ("impossible_year", "invalid_year")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Cover 'Financial year' is a real financial year such as 2024-25 (2024-26 is rejected)."


def check(ret: ReturnFile) -> list[Issue]:
    cell = ret.cover_cell(YEAR_LABEL)
    try:
        normalise_year(cell.value)
    except CellProblem as problem:
        return [issue(SEVERITY, problem.code, cell, problem.message, problem.guidance)]
    return []
