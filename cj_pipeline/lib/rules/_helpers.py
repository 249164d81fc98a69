"""Small helpers the rules share: building issues and matching dropdown values."""

from __future__ import annotations

from cj_pipeline.lib.cells import NumericCell, parse_numeric
from cj_pipeline.lib.problems import CellProblem, Issue
from cj_pipeline.lib.returns import Cell, ReturnFile, Section
from cj_pipeline.lib.tables import header_key


def issue(severity: str, code: str, cell: Cell | None, message: str, guidance: str, sheet: str | None = None) -> Issue:
    """An Issue located at `cell` (sheet and A1), carrying the value found as text."""
    if cell is None:
        return Issue(severity, code, message, guidance, sheet=sheet)
    value = cell.text if cell.value is not None else None
    return Issue(severity, code, message, guidance, sheet=sheet or cell.sheet, cell=cell.ref, value=value)


def canonical_choice(cell: Cell, choices: tuple[str, ...]) -> str | None:
    """The dropdown value a cell holds, ignoring case and spacing; None when not one."""
    key = header_key(cell.text)
    return next((choice for choice in choices if header_key(choice) == key), None)


def readable_records(ret: ReturnFile, name: str) -> list[dict[str, Cell]]:
    """Records of a section whose header was found; [] otherwise (structure rules report that)."""
    section: Section | None = ret.sections.get(name)
    return section.records if section is not None and section.sheet is not None else []


def numeric(cell: Cell) -> NumericCell | CellProblem:
    """The cell read as a number per return-spec section 1, or the problem it has."""
    try:
        return parse_numeric(cell.value)
    except CellProblem as problem:
        return problem


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
