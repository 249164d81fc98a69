"""Each outcome has an Assessment from the dropdown.

'Not assessed' is a choice, so an empty Assessment is an error, not a silent gap.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT, ASSESSMENTS
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, issue, readable_records

CODE = "invalid_assessment"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Assessment is one of Achieved, Not achieved, Not assessed (and is not empty)."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for record in readable_records(ret, ASSESSMENT):
        cell, outcome = record["Assessment"], record["Outcome ID"].text or "this row"
        if canonical_choice(cell, ASSESSMENTS) is None:
            message = (
                f"Assessment '{cell.text}' for {outcome} is not one of the choices."
                if cell.value is not None
                else f"No Assessment is given for {outcome}."
            )
            issues.append(
                issue(
                    SEVERITY, CODE, cell, message, "Choose one of: " + ", ".join(ASSESSMENTS) + " (use the dropdown)."
                )
            )
    return issues
