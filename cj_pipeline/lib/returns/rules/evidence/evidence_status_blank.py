"""An empty Status is accepted, but the item counts as missing evidence and publication waits.

Policy (docs/returns.md): blank is not an error because the completeness report exists
to show what is still missing; 'Not known' is the way to say it explicitly. Either way
the gate (`marts.fct_evidence_completeness`) blocks publication until it is given.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.layout import EVIDENCE
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import readable_records
from cj_pipeline.lib.returns.rules._publication import CODE as CODE  # publication_waits
from cj_pipeline.lib.returns.rules._publication import waits

SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when a Local evidence Status is empty: accepted, but publication waits for it."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        waits(
            record["Status"],
            f"{record['Evidence ID'].text.upper()} evidence (no status)",
            "no Status is given, so the item counts as missing evidence",
            "Choose a Status from the dropdown; use 'Not known' and explain in Commentary if unsure.",
        )
        for record in readable_records(ret, EVIDENCE)
        if record["Status"].value is None and record["Evidence ID"].value is not None
    ]
