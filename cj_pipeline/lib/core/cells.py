"""Read one numeric cell: a number, number as text, a marker, or number + marker.

Return-spec section 1 and the GSS shorthand: a marker is data and travels with
the value; an empty cell is missing, never zero; anything else is an error that
names the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from cj_pipeline.lib.core.problems import CellProblem

# Markers that stand in place of a number.
STANDALONE_MARKERS = frozenset({"[c]", "[x]", "[z]", "[low]"})
# Markers that qualify a number that is still given.
QUALIFYING_MARKERS = frozenset({"[p]", "[r]", "[e]", "[u]", "[b]", "[low]"})
ALL_MARKERS = STANDALONE_MARKERS | QUALIFYING_MARKERS

# Older publications used symbols; they mean the same as today's markers.
LEGACY_MARKERS = {"*": "[c]", "..": "[x]", "-": "[z]", "n/a": "[z]"}

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_NUMBER_THEN_MARKERS = re.compile(r"^(?P<number>[^\[]*?)\s*(?P<markers>(?:\[[a-z]+\]\s*)+)$")
_MARKER = re.compile(r"\[[a-z]+\]")

_GUIDANCE = (
    "Enter a number (for example 1234), leave the cell empty if the figure is missing, "
    "or use a marker: [c] confidential, [x] not available, [z] not applicable, [low] rounds "
    "to zero; a number may be followed by [p] provisional, [r] revised, [e] estimate, "
    "[u] low reliability or [b] break in series."
)


# Upper bounds, so that no figure can break the arithmetic downstream (sums over 32 areas and
# years, ratios, rounding at publication, integer conversion in the published xlsx):
# - MAX_NUMBER, any numeric cell: 10^15. Beyond 2^53 (about 9 x 10^15) a float no longer holds
#   every whole number exactly, and values like 1E+308 overflow to infinity when summed; no
#   figure in a return or partner table is within a thousand-fold of it.
# - MAX_COUNT, a count of people, cases or events in one return: 100,000,000, about 18 times
#   Scotland's population (5.5 million, NRS mid-2023 estimate). A real count for one area and
#   one year (even of recorded events, several per person) is far below it; a figure above it is
#   a typing or export error (an extra block of zeros, an exponent), never data.
MAX_NUMBER = 1e15
MAX_COUNT = 100_000_000


@dataclass(frozen=True)
class NumericCell:
    value: float | None
    marker: str | None  # space-separated markers, e.g. "[p]" or "[p] [r]"

    @property
    def is_missing(self) -> bool:
        return self.value is None and self.marker is None


MISSING = NumericCell(None, None)


def _not_a_number(text: str) -> CellProblem:
    return CellProblem("not_a_number", f"'{text}' is not a number or a recognised marker.", _GUIDANCE)


def parse_number_text(text: str) -> float:
    """'1,234' / ' 56 ' -> float; CellProblem when it is not a plain number."""
    cleaned = text.strip()
    if not _NUMBER.match(cleaned):
        raise _not_a_number(text)
    return float(cleaned.replace(",", ""))


def parse_numeric(raw: object) -> NumericCell:
    """Parse a cell as read from xlsx or csv. Raises CellProblem naming the value; a number
    larger than MAX_NUMBER (either sign) is refused as too large to be a real figure."""
    cell = _parse_numeric(raw)
    if cell.value is not None and abs(cell.value) > MAX_NUMBER:
        raise CellProblem(
            "number_too_large",
            f"'{raw}' is larger than any real figure could be (the limit is {MAX_NUMBER:,.0f}).",
            "Check the cell for a typing or export error (an exponent such as 1E+308, extra zeros) "
            "and enter the real figure.",
        )
    return cell


def _parse_numeric(raw: object) -> NumericCell:
    if raw is None:
        return MISSING
    if isinstance(raw, bool):
        raise _not_a_number(str(raw))
    if isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        raise CellProblem(
            "date_in_number_cell",
            f"'{raw}' is a date, not a number.",
            "Excel may have turned the number into a date: format the cell as Number and retype it.",
        )
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise _not_a_number(str(raw))
        return NumericCell(float(raw), None)
    text = str(raw).strip()
    if not text:
        return MISSING
    lowered = text.lower()
    if lowered in LEGACY_MARKERS:
        return NumericCell(None, LEGACY_MARKERS[lowered])
    if lowered in STANDALONE_MARKERS:
        return NumericCell(None, lowered)
    if _NUMBER.match(text):
        return NumericCell(parse_number_text(text), None)
    match = _NUMBER_THEN_MARKERS.match(lowered)
    if match and match.group("number"):
        markers = _MARKER.findall(match.group("markers"))
        unknown = [m for m in markers if m not in QUALIFYING_MARKERS]
        if unknown:
            raise CellProblem(
                "marker_with_number",
                f"'{text}' gives a number with the marker {unknown[0]}, which replaces a number.",
                "Either give the number alone or the marker alone. " + _GUIDANCE,
            )
        return NumericCell(parse_number_text(match.group("number")), " ".join(dict.fromkeys(markers)))
    if _MARKER.fullmatch(lowered):
        raise CellProblem("unknown_marker", f"'{text}' is not a recognised marker.", _GUIDANCE)
    raise _not_a_number(text)


def parse_count(raw: object) -> NumericCell:
    """A count: as parse_numeric, never negative or fractional, never above MAX_COUNT."""
    cell = parse_numeric(raw)
    if cell.value is not None and cell.value > MAX_COUNT:
        raise implausible_count(raw)
    if cell.value is not None and cell.value < 0:
        raise CellProblem(
            "negative_count",
            f"'{raw}' is negative; a count cannot be below zero.",
            "Enter the number of people or cases (0 or more).",
        )
    if cell.value is not None and cell.value != int(cell.value):
        raise CellProblem(
            "fractional_count",
            f"'{raw}' is not a whole number; a count must be whole.",
            "Enter a whole number of people or cases.",
        )
    return cell


def implausible_count(raw: object) -> CellProblem:
    return CellProblem(
        "implausible_count",
        f"'{raw}' is more than {MAX_COUNT:,}, about 18 times Scotland's population: not a real count "
        "for one area and year.",
        "Check the cell for a typing or export error (an exponent such as 1E+308, extra zeros) and "
        "enter the real count.",
    )
