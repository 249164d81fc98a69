"""An empty Status is accepted but counts as missing evidence, so say so.

Policy (README): blank is not an error because the completeness report exists
to show what is still missing; 'Not known' is the way to say it explicitly.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.layout import EVIDENCE
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue, readable_records

CODE = "evidence_status_blank"
SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when a Local evidence Status is empty (the item counts as missing evidence)."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        issue(
            SEVERITY,
            CODE,
            record["Status"],
            f"No Status is given for {record['Evidence ID'].text or 'a row'}; it counts as missing evidence.",
            "Choose a Status from the dropdown; use 'Not known' and explain in Commentary if unsure.",
        )
        for record in readable_records(ret, EVIDENCE)
        if record["Status"].value is None and record["Evidence ID"].value is not None
    ]
