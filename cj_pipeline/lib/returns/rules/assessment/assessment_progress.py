"""Progress is required where an outcome was Not achieved (docs/data-contract.md section 2)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT, ASSESSMENTS
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, issue, readable_records

CODE = "progress_missing"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Progress is filled in where the Assessment is Not achieved."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        issue(
            SEVERITY,
            CODE,
            record["Progress"],
            f"{record['Outcome ID'].text} is assessed as Not achieved but Progress is empty.",
            "Say what progress was made towards the outcome and what happens next.",
        )
        for record in readable_records(ret, ASSESSMENT)
        if canonical_choice(record["Assessment"], ASSESSMENTS) == "Not achieved" and not record["Progress"].text
    ]
