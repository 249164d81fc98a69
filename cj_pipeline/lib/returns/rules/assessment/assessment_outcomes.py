"""Outcome assessment has one row for each national outcome NO1-NO9."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import ASSESSMENT, NATIONAL_OUTCOME_IDS
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import each_id_once

CODE = "outcome_row_missing"
CODES = ("outcome_row_missing", "outcome_row_duplicated", "unknown_outcome_id")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Outcome assessment has exactly one row for each of NO1 ... NO9."
_GUIDANCE = "Keep the template's nine rows, one per national outcome NO1 to NO9."


def check(ret: ReturnFile) -> list[Issue]:
    return each_id_once(
        ret,
        ASSESSMENT,
        "Outcome ID",
        NATIONAL_OUTCOME_IDS,
        codes=CODES,
        texts=(
            "'{id}' is not a national outcome (NO1 to NO9).",
            "A row has values but no Outcome ID.",
            "Outcome '{id}' appears {count} times; assess it once.",
            "There is no row for national outcome {id}.",
        ),
        severity=SEVERITY,
        guidance=_GUIDANCE,
    )
