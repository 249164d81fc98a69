"""Financial years (1 April to 31 March), written canonically as 2024-25."""

from __future__ import annotations

import re

from cj_pipeline.lib.core.problems import CellProblem

# 2024-25, 2024/25, 2024-2025, 2024/2025, FY2024-25; en dash as typed by Word/Excel.
_PATTERN = re.compile(r"^(?:fy\s*)?(\d{4})\s*[-/\u2013]\s*(\d{2}|\d{4})$", re.IGNORECASE)

_GUIDANCE = "Write the financial year as 2024-25 (April 2024 to March 2025)."


def normalise_year(raw: object) -> str:
    """Canonical 'YYYY-YY' for any accepted spelling; CellProblem otherwise."""
    text = "" if raw is None else str(raw).strip()
    match = _PATTERN.match(text)
    if not match:
        raise CellProblem(
            "invalid_year",
            f"'{text}' is not a financial year." if text else "The financial year is empty.",
            _GUIDANCE,
        )
    start, end = int(match.group(1)), match.group(2)
    expected_end = start + 1
    if (len(end) == 2 and int(end) != expected_end % 100) or (len(end) == 4 and int(end) != expected_end):
        raise CellProblem(
            "impossible_year",
            f"'{text}' is not a real financial year: it must end the year after {start}.",
            _GUIDANCE,
        )
    return fy_starting(start)


def fy_starting(start_year: int) -> str:
    """The financial year beginning in April of `start_year` (mid-year estimates map here)."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def start_year(financial_year: str) -> int:
    return int(financial_year[:4])
