"""Normalise the labels publishers write: headers, years, areas and markers.

Publications decorate labels: note tags (`2017-18 [note 7]`), footnote digits
glued on (`Unknown3`, `Total1 `), URIs (`.../government-year/2015-2016`),
slashes (`2023/24`) and calendar years (`2015` for mid-2015). Everything here
turns such a label into what a recipe compares against, reusing the
pipeline's own year and area readers so the same spelling means the same
thing everywhere.
"""

from __future__ import annotations

import functools
import re

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.cells import ALL_MARKERS, LEGACY_MARKERS
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.years import fy_starting, normalise_year

_NOTE_TAG = re.compile(r"\[\s*(?:note|notes)\s*[\d, ]*\]", re.IGNORECASE)
_URI = re.compile(r"^https?://\S+$", re.IGNORECASE)
# Footnote digits glued to a word ("Unknown3", "Other sentence1", "Fine6,7 (£)" -> before the bracket).
_GLUED_DIGITS = re.compile(r"(?<=[A-Za-z)\s])\s*\d{1,2}(?:\s*,\s*\d{1,2})*\s*$")
_GSS_CODE = re.compile(r"^[A-Z]\d{8}$")
_FINANCIAL_YEAR = re.compile(r"(?<!\d)(\d{4})\s*[-/\u2013]\s*(\d{4}|\d{2})(?!\d)")
_CALENDAR_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")

# Calendar-year rules a recipe may declare: mid-year estimate N -> financial year N to N+1.
CALENDAR_RULES = ("mid_year",)

# Marker spellings seen in real publications -> the GSS set (a recipe can override any).
DEFAULT_MARKERS: dict[str, str] = {
    **LEGACY_MARKERS,  # "*", "..", "-", "n/a"
    **{marker: marker for marker in ALL_MARKERS},
    "x": "[x]",
    "z": "[z]",
    "c": "[c]",
    "low": "[low]",
    "n/r": "[x]",  # not reported
    "n/l": "[z]",  # legislation not yet in force: not applicable
    "[ns]": "[z]",  # change not significant: no figure applies
    "[l]": "[u]",  # low reliability
    "[u]": "[u]",
}
# A recipe may map a spelling to this instead of a marker: the cell is a true zero.
ZERO = "0"


def clean_label(value: object) -> str:
    """Comparison form of a label: last URI segment, note tags dropped, single spaces, case-folded."""
    return tidy_label(value).casefold()


def tidy_label(value: object) -> str:
    """A label as shown, tidied: last URI segment, note tags dropped, single spaces."""
    if isinstance(value, (str, float, int)):
        return _tidy_cached(value)  # long tables repeat the same labels thousands of times
    return _tidy(value)


@functools.lru_cache(maxsize=65536, typed=True)
def _tidy_cached(value: str | float | int) -> str:
    return _tidy(value)


def _tidy(value: object) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a header typed as the number 2015 reads back as 2015.0
    if _URI.match(text):
        text = text.rstrip("/").rsplit("/", 1)[-1]
    text = _NOTE_TAG.sub(" ", text)
    return " ".join(text.split())


def strip_footnote_digits(label: str) -> str:
    """'unknown3' -> 'unknown', 'total1' -> 'total'; GSS codes and pure numbers are kept."""
    if _GSS_CODE.match(label) or label.replace(" ", "").isdigit():
        return label
    return _GLUED_DIGITS.sub("", label).strip()


def year_from_label(label: object, calendar: str | None) -> str | None:
    """The financial year a whole label names ('2017-18 [note 7]', '2023/24', '2015-2016', a URI,
    or '2015' under a calendar rule); None when the label is not a year."""
    text = clean_label(label)
    try:
        return normalise_year(text)
    except CellProblem:
        pass
    if calendar == "mid_year" and re.fullmatch(r"(19|20)\d{2}", text):
        return fy_starting(int(text))
    return None


def years_in_text(text: str, calendar: str | None) -> list[str]:
    """Every distinct financial year named anywhere in a title or file name."""
    found = []
    for match in _FINANCIAL_YEAR.finditer(text):
        year = year_from_label(f"{match.group(1)}-{match.group(2)}", None)
        if year:
            found.append(year)
    if not found and calendar == "mid_year":
        found = [fy_starting(int(m.group(1))) for m in _CALENDAR_YEAR.finditer(text)]
    return list(dict.fromkeys(found))


class AreaReader:
    """Area labels as a recipe declares them: Scotland aliases, rows to skip, footnote digits."""

    SKIP = "skip"

    def __init__(self, scotland: list[str], skip: list[str], footnote_digits: bool):
        self.scotland = {clean_label(s) for s in scotland} | {"scotland"}
        self.skip = {clean_label(s) for s in skip}
        self.footnote_digits = footnote_digits
        self._known: dict[str, str] = {}

    def tidy(self, raw: object) -> str:
        label = tidy_label(raw)
        return strip_footnote_digits(label) if self.footnote_digits else label

    def code(self, raw: object) -> str:
        """GSS code, or AreaReader.SKIP for a row the recipe says is not an area; CellProblem otherwise."""
        if isinstance(raw, str) and raw in self._known:
            return self._known[raw]  # long tables name the same areas thousands of times
        code = self._code(raw)
        if isinstance(raw, str):
            self._known[raw] = code
        return code

    def _code(self, raw: object) -> str:
        label = self.tidy(raw)
        if label.casefold() in self.skip:
            return self.SKIP
        if label.casefold() in self.scotland:
            return SCOTLAND_CODE
        return normalise_area(label or raw)


def marker_for(text: str, markers: dict[str, str]) -> str | None:
    """The GSS marker (or ZERO) a marker spelling stands for under a recipe's map."""
    return markers.get(" ".join(text.split()).casefold())
