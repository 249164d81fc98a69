"""A given Status is one of the dropdown values (any case and spacing)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import EVIDENCE, EVIDENCE_STATUSES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, issue, readable_records

CODE = "invalid_evidence_status"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Local evidence Status is one of In place, Partially in place, Not in place, Not known."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for record in readable_records(ret, EVIDENCE):
        cell = record["Status"]
        if cell.value is not None and canonical_choice(cell, EVIDENCE_STATUSES) is None:
            issues.append(
                issue(
                    SEVERITY,
                    CODE,
                    cell,
                    f"Status '{cell.text}' for {record['Evidence ID'].text or 'this row'} is not one of the choices.",
                    "Choose one of: " + ", ".join(EVIDENCE_STATUSES) + " (use the dropdown).",
                )
            )
    return issues
