"""Every Local outcomes row says what it is: Local outcome, Balancing measure or Priority action."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import LOCAL_OUTCOME_TYPES, LOCAL_OUTCOMES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, issue, readable_records

CODE = "invalid_local_outcome_type"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Each Local outcomes row has a Type: Local outcome, Balancing measure or Priority action."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for record in readable_records(ret, LOCAL_OUTCOMES):
        cell = record["Type"]
        if canonical_choice(cell, LOCAL_OUTCOME_TYPES) is None:
            what = f"Type '{cell.text}'" if cell.value is not None else "An empty Type"
            issues.append(
                issue(
                    SEVERITY,
                    CODE,
                    cell,
                    f"{what} in the row for '{record['Local outcome'].text or record['Metric'].text}' "
                    "is not one of the choices.",
                    "Choose one of: " + ", ".join(LOCAL_OUTCOME_TYPES) + " (use the dropdown).",
                )
            )
    return issues
