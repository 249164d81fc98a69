"""Local measures rows carry catalogue Measure IDs (LM6.1 ... LM8.3), each at most once."""

from __future__ import annotations

from collections import Counter
from functools import cache

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.seeds import local_measure_catalogue
from cj_pipeline.lib.returns.layout import MEASURES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue, readable_records

CODE = "unknown_measure_id"
CODES = ("unknown_measure_id", "duplicate_measure_id")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Local measures rows have catalogue Measure IDs (LM6.1 ... LM8.3), none repeated."
_GUIDANCE = "Keep the template's rows and Measure IDs: LM6.1, LM6.2, LM8.1, LM8.2, LM8.3."


@cache
def _catalogue_ids() -> frozenset[str]:
    # The catalogue is a seed, fixed for the life of the process.
    return frozenset(item["measure_id"] for item in local_measure_catalogue())


def check(ret: ReturnFile) -> list[Issue]:
    expected = _catalogue_ids()
    records = readable_records(ret, MEASURES)
    counts = Counter(record["Measure ID"].text.upper() for record in records)
    issues, reported = [], set()
    for record in records:
        cell = record["Measure ID"]
        key = cell.text.upper()
        if key not in expected:
            message = (
                f"'{cell.text}' is not a Measure ID in the catalogue." if key else "A row has values but no Measure ID."
            )
            issues.append(issue(SEVERITY, CODE, cell, message, _GUIDANCE))
        elif counts[key] > 1 and key not in reported:
            reported.add(key)
            issues.append(
                issue(
                    SEVERITY,
                    "duplicate_measure_id",
                    cell,
                    f"Measure ID '{cell.text}' appears {counts[key]} times; give it once.",
                    _GUIDANCE,
                )
            )
    return issues
