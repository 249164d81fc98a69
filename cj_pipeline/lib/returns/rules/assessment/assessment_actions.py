"""Actions taken is needed for every national outcome (docs/data-contract.md section 2).

A return without it is accepted, but the gate counts the item as missing and
publication waits for it.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import readable_records
from cj_pipeline.lib.returns.rules._publication import CODE as CODE  # publication_waits
from cj_pipeline.lib.returns.rules._publication import waits

SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when Actions taken is empty for a national outcome: accepted, but publication waits for it."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        waits(
            record["Actions taken"],
            f"{record['Outcome ID'].text.upper()} actions taken",
            "Actions taken is empty",
            "Describe what partners did towards this outcome in the year (a sentence or two is enough).",
        )
        for record in readable_records(ret, ASSESSMENT)
        if not record["Actions taken"].text and record["Outcome ID"].text
    ]
