"""Read one published value: a number, a marker in the cell, or a marker in its number format;
and `PartnerValue`, a value read from a partner file with the sheet, cell and recipe it came from."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cj_pipeline.lib.core.cells import QUALIFYING_MARKERS, parse_numeric
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.partners.labels import ZERO, marker_for
from cj_pipeline.lib.partners.number_formats import displayed_marker_text


@dataclass(frozen=True)
class PartnerValue:
    """One value read from a partner file, with the cell it came from and the recipe that read it."""

    source: str
    area_code: str
    financial_year: str
    measure: str
    value: float | None
    marker: str | None
    sheet: str
    cell: str  # A1, first:last for a sum over columns, runs of cells for a sum over rows
    raw_value: str | None
    recipe: str


@dataclass(frozen=True)
class Reading:
    value: float | None
    marker: str | None

    @property
    def is_missing(self) -> bool:
        return self.value is None and self.marker is None


MISSING = Reading(None, None)


def _meaning(marker: str, stored: float | None) -> Reading:
    """A marker's meaning: ZERO is a true 0; a qualifying marker keeps a stored number."""
    if marker == ZERO:
        return Reading(0.0, None)
    if stored is not None and marker in QUALIFYING_MARKERS:
        return Reading(stored, marker)
    return Reading(None, marker)


def _unreadable(raw: object) -> Reading:
    cell = parse_numeric(raw)  # raises the pipeline's own not_a_number problem
    return Reading(cell.value, cell.marker)


def read_cell(raw: object, fmt: str | None, markers: dict[str, str], recipe_label: str) -> Reading:
    """The value and marker of one cell under a recipe's marker map; CellProblem if unreadable."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        shown = displayed_marker_text(fmt, float(raw)) if math.isfinite(raw) else None
        if shown is None:
            return _unreadable(raw)  # a plain number; refused when not finite or too large
        meaning = marker_for(shown, markers)
        if meaning is None:
            raise CellProblem(
                "unknown_format_marker",
                f"The cell stores {raw} but its number format shows '{shown}', which is not a marker {recipe_label} knows.",
                f"Add '{shown}' to [markers] in the recipe with the GSS marker it means (or \"0\" for a true zero).",
            )
        return _meaning(meaning, float(raw))
    if isinstance(raw, str) and (meaning := marker_for(raw, markers)) is not None:
        return _meaning(meaning, None)
    try:
        cell = parse_numeric(raw)
    except CellProblem as problem:
        problem.guidance = (
            f"If '{raw}' is a marker this publisher uses, add it to [markers] in {recipe_label} "
            "with the GSS marker it means. " + problem.guidance
        )
        raise
    return Reading(cell.value, cell.marker)


def scaled(reading: Reading, scale: float, unit: str, max_count: int | None = None) -> Reading:
    """Apply a recipe's scale; a count must come out whole and not negative."""
    if reading.value is None:
        return reading
    value = round(reading.value * scale, 9) if scale != 1 else reading.value
    if unit == "count":
        _check_count(value, max_count)
    return Reading(value, reading.marker)


def _check_count(value: float, max_count: int | None) -> None:
    """A count is whole and 0 or more (negative_count as in a return), and no more than the
    recipe's max_count when it sets one (otherwise only parse_numeric's MAX_NUMBER bounds it)."""
    if value < 0:
        raise CellProblem(
            "negative_count",
            f"{value:g} is negative; a count cannot be below zero.",
            "Enter the number of people or cases (0 or more); in a recipe, check it reads the right "
            "column or row, and its scale.",
        )
    if max_count is not None and value > max_count:
        raise CellProblem(
            "implausible_count",
            f"{value:g} is more than {max_count:,}: not a real count for one area and year.",
            "Check the cell for a typing or export error (an exponent such as 1E+308, extra zeros) and "
            "enter the real count.",
        )
    if value != int(value):
        raise CellProblem(
            "not_a_count",
            f"{value:g} is not a count (a count is a whole number, 0 or more).",
            "Check the recipe reads the right column or row, and its scale.",
        )


def summed(parts: list[Reading]) -> Reading:
    """The sum of several cells (e.g. ages 16 ... 90 and over). Any part without a number
    leaves the sum without one: it is missing, or carries the first part's marker."""
    numbers = [p.value for p in parts if p.value is not None]
    if len(numbers) == len(parts):
        qualifiers = [p.marker for p in parts if p.marker]
        return Reading(float(sum(numbers)), " ".join(dict.fromkeys(qualifiers)) or None)
    marker = next((p.marker for p in parts if p.value is None and p.marker), None)
    return Reading(None, marker)
