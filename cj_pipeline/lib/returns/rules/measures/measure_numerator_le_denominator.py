"""A numerator counts a subset of its denominator, so it cannot be larger."""

from __future__ import annotations

from cj_pipeline.lib.core.cells import NumericCell
from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import MEASURES
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue, numeric, readable_records

CODE = "numerator_exceeds_denominator"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Each local measure's Numerator is not larger than its Denominator."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for record in readable_records(ret, MEASURES):
        num, den = numeric(record["Numerator"]), numeric(record["Denominator"])
        if not (isinstance(num, NumericCell) and isinstance(den, NumericCell)):
            continue  # measure_numeric reports unreadable cells
        if num.value is not None and den.value is not None and num.value > den.value:
            issues.append(
                issue(
                    SEVERITY,
                    CODE,
                    record["Numerator"],
                    f"For {record['Measure ID'].text} the Numerator {record['Numerator'].text} is larger than "
                    f"the Denominator {record['Denominator'].text}.",
                    "The Numerator counts some of the people in the Denominator: check both figures "
                    "and whether they were swapped.",
                )
            )
    return issues
