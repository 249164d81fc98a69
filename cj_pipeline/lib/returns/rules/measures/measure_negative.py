"""Numerator and Denominator are counts, so never negative."""

from __future__ import annotations

from cj_pipeline.lib.core.cells import NumericCell
from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import MEASURES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue, numeric, readable_records

CODE = "negative_count"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Numerator and Denominator are not negative."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for record in readable_records(ret, MEASURES):
        for column in ("Numerator", "Denominator"):
            cell = record[column]
            parsed = numeric(cell)
            if isinstance(parsed, NumericCell) and parsed.value is not None and parsed.value < 0:
                issues.append(
                    issue(
                        SEVERITY,
                        CODE,
                        cell,
                        f"{column} of {record['Measure ID'].text}: '{cell.text}' is negative; a count cannot be below zero.",
                        "Enter the number of people (0 or more).",
                    )
                )
    return issues
