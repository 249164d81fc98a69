"""Outcome assessment has one row for each national outcome NO1-NO9."""

from __future__ import annotations

from collections import Counter

from cj_pipeline.lib.problems import ERROR, Issue
from cj_pipeline.lib.returns import ASSESSMENT, ReturnFile
from cj_pipeline.lib.rules._helpers import issue, readable_records
from cj_pipeline.lib.template import NATIONAL_OUTCOME_IDS

CODE = "outcome_row_missing"
CODES = ("outcome_row_missing", "outcome_row_duplicated", "unknown_outcome_id")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Outcome assessment has exactly one row for each of NO1 ... NO9."
_GUIDANCE = "Keep the template's nine rows, one per national outcome NO1 to NO9."


def check(ret: ReturnFile) -> list[Issue]:
    section = ret.sections.get(ASSESSMENT)
    if section is None or section.sheet is None:
        return []
    records = readable_records(ret, ASSESSMENT)
    counts = Counter(record["Outcome ID"].text.upper() for record in records)
    issues, reported = [], set()
    for record in records:
        cell = record["Outcome ID"]
        key = cell.text.upper()
        if key not in NATIONAL_OUTCOME_IDS:
            message = f"'{cell.text}' is not a national outcome (NO1 to NO9)." if key else "A row has values but no Outcome ID."
            issues.append(issue(SEVERITY, "unknown_outcome_id", cell, message, _GUIDANCE))
        elif counts[key] > 1 and key not in reported:
            reported.add(key)
            issues.append(
                issue(SEVERITY, "outcome_row_duplicated", cell,
                      f"Outcome '{cell.text}' appears {counts[key]} times; assess it once.", _GUIDANCE)
            )  # fmt: skip
    for outcome_id in NATIONAL_OUTCOME_IDS:
        if counts[outcome_id] == 0:
            issues.append(
                issue(SEVERITY, CODE, None, f"There is no row for national outcome {outcome_id}.",
                      _GUIDANCE + " Put back the missing row.", sheet=section.sheet)
            )  # fmt: skip
    return issues
