"""A Status of 'Not known' is accepted, but it counts as missing evidence and publication waits."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.layout import EVIDENCE, EVIDENCE_STATUSES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import canonical_choice, readable_records
from cj_pipeline.lib.returns.rules._publication import CODE as CODE  # publication_waits
from cj_pipeline.lib.returns.rules._publication import waits

SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when a Local evidence Status is 'Not known': accepted, but publication waits for it."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        waits(
            record["Status"],
            f"{record['Evidence ID'].text.upper()} evidence (Not known)",
            "the Status is 'Not known', which counts as missing evidence",
            "When the evidence is found, choose In place, Partially in place or Not in place and send the return again.",
        )
        for record in readable_records(ret, EVIDENCE)
        if canonical_choice(record["Status"], EVIDENCE_STATUSES) == "Not known"
    ]
