"""How numbers, markers and changes read in the report packs: plain words for people.

Counts are whole numbers with thousands separators, percentages and rates one
decimal place; a missing value shows its marker, never 0 or a blank.
"""

from __future__ import annotations

import re

PANDEMIC_YEARS = ("2020-21", "2021-22")
UNITS = {"percent": "%", "count": "people", "rate_per_10000": "per 10,000 population", "ratio": "per person"}
# What each marker means, said plainly (a badge beside the value).
MARKER_WORDS = {
    "[c]": "suppressed: small numbers",
    "[x]": "not available",
    "[z]": "not applicable",
    "[low]": "rounds to zero",
    "[u]": "low reliability",
    "[e]": "estimate",
    "[p]": "provisional",
    "[r]": "revised",
    "[b]": "break in series",
}
STATUS_ORDER = ("In place", "Partially in place", "Not in place", "Not known")


def unit_label(unit: str | None) -> str:
    return UNITS.get(unit or "", unit or "")


def number(value: float, unit: str | None = None) -> str:
    """Counts as whole numbers ('1,379', never '1379.0'); others to 1 decimal place."""
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def with_unit(value: float, unit: str | None) -> str:
    shown = number(value, unit)
    return shown + "%" if unit == "percent" else shown


def shown(value, marker, unit: str | None = None) -> str:
    """A value as published: the number (with % for percentages) and its marker, or the marker alone."""
    if value is None:
        return marker or "[x]"
    return with_unit(value, unit) + (f" {marker}" if marker else "")


def markers(text: str | None) -> list[str]:
    return [m for m in (text or "").split() if m.startswith("[")]


def badges(marker: str | None) -> list[str]:
    return [MARKER_WORDS.get(m, m) for m in markers(marker)]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def group_label(code: str | None) -> str:
    """A comparator group as the packs and the compare page both name it:
    'lgbf_deprivation_1_least_deprived' -> 'Family group 1 (by deprivation, least deprived)'."""
    found = re.fullmatch(r"lgbf_(deprivation|rurality)_(\d)(?:_(.*))?", code or "")
    if found:
        basis, number, words = found.groups()
        extra = f", {words.replace('_', ' ')}" if words else ""
        return f"Family group {number} (by {basis}{extra})"
    return (code or "no group").replace("_", " ").capitalize()
