"""Numerator and Denominator are numeric cells (docs/data-contract.md section 1) and whole numbers."""

from __future__ import annotations

from cj_pipeline.lib.core.cells import MAX_COUNT, implausible_count
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import count_cells, issue, numeric

CODE = "not_a_number"
CODES = (
    "not_a_number",
    "date_in_number_cell",
    "unknown_marker",
    "marker_with_number",
    "fractional_count",
    "number_too_large",
    "implausible_count",
)
SEVERITY = ERROR
STAGE = "content"
CHECKS = (
    "Numerator and Denominator are whole numbers, numbers as text ('1,234'), markers ([c], [x], [z], [low]) "
    "or a number with a marker ('45 [p]'); empty means missing. 'TBC' or 'approx 40' is rejected, and so is a "
    "count above 100,000,000 (about 18 x Scotland's population; lib/core/cells.py MAX_COUNT)."
)


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for label, cell in count_cells(ret):
        parsed = numeric(cell)
        if isinstance(parsed, CellProblem):
            issues.append(issue(SEVERITY, parsed.code, cell, f"{label}: {parsed.message}", parsed.guidance))
        elif parsed.value is not None and parsed.value > MAX_COUNT:
            problem = implausible_count(cell.text)
            issues.append(issue(SEVERITY, problem.code, cell, f"{label}: {problem.message}", problem.guidance))
        elif parsed.value is not None and parsed.value != int(parsed.value):
            issues.append(
                issue(
                    SEVERITY,
                    "fractional_count",
                    cell,
                    f"{label}: '{cell.text}' is not a whole number; a count must be whole.",
                    "Enter a whole number of people or admissions.",
                )
            )
    return issues
