"""The Cover names a Scottish local authority (name, alias or GSS code)."""

from __future__ import annotations

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.returns.layout import AREA_LABEL
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue

CODE = "unknown_area"
CODES = ("unknown_area", "missing_area")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Cover 'Local authority' is one of the 32 councils (name, alias or GSS code); suggests the closest."


def check(ret: ReturnFile) -> list[Issue]:
    cell = ret.cover_cell(AREA_LABEL)
    try:
        code = normalise_area(cell.value)
    except CellProblem as problem:
        return [issue(SEVERITY, problem.code, cell, problem.message, problem.guidance)]
    if code == SCOTLAND_CODE:
        return [
            issue(
                SEVERITY,
                CODE,
                cell,
                f"'{cell.text}' is Scotland; a return is made by one local authority.",
                "Enter your council's name or GSS code on the Cover.",
            )
        ]
    return []
