"""Progress is needed where an outcome was Not achieved (docs/data-contract.md section 2).

A return without it is accepted, but the gate counts the item as missing and
publication waits for it.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT, ASSESSMENTS
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, readable_records
from cj_pipeline.lib.returns.rules._publication import CODE as CODE  # publication_waits
from cj_pipeline.lib.returns.rules._publication import waits

SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when Progress is empty where the Assessment is Not achieved: accepted, but publication waits for it."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        waits(
            record["Progress"],
            f"{record['Outcome ID'].text.upper()} progress",
            "the outcome is assessed as Not achieved but Progress is empty",
            "Say what progress was made towards the outcome and what happens next.",
        )
        for record in readable_records(ret, ASSESSMENT)
        if canonical_choice(record["Assessment"], ASSESSMENTS) == "Not achieved" and not record["Progress"].text
    ]
