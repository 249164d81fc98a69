"""Actions taken is required for every national outcome (docs/data-contract.md section 2)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue, readable_records

CODE = "actions_missing"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Actions taken is filled in for every national outcome."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        issue(
            SEVERITY,
            CODE,
            record["Actions taken"],
            f"Actions taken is empty for {record['Outcome ID'].text or 'a row'}.",
            "Describe what partners did towards this outcome in the year (a sentence or two is enough).",
        )
        for record in readable_records(ret, ASSESSMENT)
        if not record["Actions taken"].text
    ]
