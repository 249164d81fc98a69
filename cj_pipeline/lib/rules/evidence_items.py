"""Every item of the local evidence catalogue appears exactly once (and nothing else)."""

from __future__ import annotations

from collections import Counter

from cj_pipeline.lib.problems import ERROR, Issue
from cj_pipeline.lib.returns import EVIDENCE, ReturnFile
from cj_pipeline.lib.rules._helpers import issue, readable_records
from cj_pipeline.lib.seeds import evidence_catalogue

CODE = "evidence_item_missing"
CODES = ("evidence_item_missing", "evidence_item_duplicated", "evidence_item_unknown")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Local evidence lists every catalogue item (LE1.1 ... LE9.2) exactly once and no other ID."
_GUIDANCE = "Keep the template's rows: one row per Evidence ID, as listed in the Guidance sheet."


def check(ret: ReturnFile) -> list[Issue]:
    records = readable_records(ret, EVIDENCE)
    section = ret.sections.get(EVIDENCE)
    if section is None or section.sheet is None:
        return []
    expected = [item["evidence_id"] for item in evidence_catalogue()]
    ids = Counter(record["Evidence ID"].text.upper() for record in records)
    issues = []
    reported = set()
    for record in records:
        cell = record["Evidence ID"]
        key = cell.text.upper()
        if key not in expected:
            message = (
                f"'{cell.text}' is not an Evidence ID in the catalogue."
                if key
                else "A row has values but no Evidence ID."
            )
            issues.append(issue(SEVERITY, "evidence_item_unknown", cell, message, _GUIDANCE))
        elif ids[key] > 1 and key not in reported:
            reported.add(key)
            issues.append(
                issue(SEVERITY, "evidence_item_duplicated", cell,
                      f"Evidence ID '{cell.text}' appears {ids[key]} times; give it once.", _GUIDANCE)
            )  # fmt: skip
    for evidence_id in expected:
        if ids[evidence_id] == 0:
            issues.append(
                issue(SEVERITY, CODE, None, f"Evidence ID '{evidence_id}' is missing from the sheet.",
                      _GUIDANCE + " Put back the missing row.", sheet=section.sheet)
            )  # fmt: skip
    return issues
