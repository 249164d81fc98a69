"""Numerator and Denominator are counts, so never negative."""

from __future__ import annotations

from cj_pipeline.lib.core.cells import NumericCell
from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import count_cells, issue, numeric

CODE = "negative_count"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Numerator and Denominator are not negative."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for label, cell in count_cells(ret):
        parsed = numeric(cell)
        if isinstance(parsed, NumericCell) and parsed.value is not None and parsed.value < 0:
            issues.append(
                issue(
                    SEVERITY,
                    CODE,
                    cell,
                    f"{label}: '{cell.text}' is negative; a count cannot be below zero.",
                    "Enter the number of people (0 or more).",
                )
            )
    return issues
