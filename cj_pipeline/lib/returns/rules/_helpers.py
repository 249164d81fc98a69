"""Small helpers the rules share: building issues and matching dropdown values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache

from cj_pipeline.lib.core.cells import NumericCell, parse_numeric
from cj_pipeline.lib.core.problems import CellProblem, Issue
from cj_pipeline.lib.core.workbook import header_key
from cj_pipeline.lib.returns.layout import MEASURES
from cj_pipeline.lib.returns.reader import Cell, ReturnFile, Section

COUNT_COLUMNS = ("Numerator", "Denominator")


def issue(severity: str, code: str, cell: Cell | None, message: str, guidance: str, sheet: str | None = None) -> Issue:
    """An Issue located at `cell` (sheet and A1), carrying the value found as text."""
    if cell is None:
        return Issue(severity, code, message, guidance, sheet=sheet)
    value = cell.text if cell.value is not None else None
    return Issue(severity, code, message, guidance, sheet=sheet or cell.sheet, cell=cell.ref, value=value)


@cache
def _choices_by_key(choices: tuple[str, ...]) -> dict[str, str]:
    # Reversed so that, as with a first-match scan, the earliest choice wins a shared key.
    return {header_key(choice): choice for choice in reversed(choices)}


def canonical_choice(cell: Cell, choices: tuple[str, ...]) -> str | None:
    """The dropdown value a cell holds, ignoring case and spacing; None when not one."""
    return _choices_by_key(choices).get(header_key(cell.text))


def readable_records(ret: ReturnFile, name: str) -> list[dict[str, Cell]]:
    """Records of a section whose header was found; [] otherwise (structure rules report that)."""
    section: Section | None = ret.sections.get(name)
    return section.records if section is not None and section.sheet is not None else []


def numeric(cell: Cell) -> NumericCell | CellProblem:
    """The cell read as a number per docs/data-contract.md section 1, or the problem it has."""
    try:
        return parse_numeric(cell.value)
    except CellProblem as problem:
        return problem


def count_cells(ret: ReturnFile) -> Iterator[tuple[str, Cell]]:
    """Every Numerator and Denominator cell of the local measures, in sheet order, with the label
    its issues open with ("Numerator of LM1")."""
    for record in readable_records(ret, MEASURES):
        for column in COUNT_COLUMNS:
            yield f"{column} of {record['Measure ID'].text or 'this row'}", record[column]


def each_id_once(
    ret: ReturnFile,
    section_name: str,
    id_column: str,
    expected: list[str] | tuple[str, ...],
    *,
    codes: tuple[str, str, str],
    texts: tuple[str, str, str, str],
    severity: str,
    guidance: str,
) -> list[Issue]:
    """Issues for a sheet that must list every expected id exactly once and no other.

    codes: (missing, duplicated, unknown). texts: templates for an unknown id ({id}),
    a row with no id, a duplicated id ({id}, {count}) and a missing id ({id}).
    """
    section = ret.sections.get(section_name)
    if section is None or section.sheet is None:
        return []
    missing_code, duplicated_code, unknown_code = codes
    unknown_text, no_id_text, duplicated_text, missing_text = texts
    records = readable_records(ret, section_name)
    counts = Counter(record[id_column].text.upper() for record in records)
    issues, reported, known = [], set(), frozenset(expected)
    for record in records:
        cell = record[id_column]
        key = cell.text.upper()
        if key not in known:
            message = unknown_text.format(id=cell.text) if key else no_id_text
            issues.append(issue(severity, unknown_code, cell, message, guidance))
        elif counts[key] > 1 and key not in reported:
            reported.add(key)
            message = duplicated_text.format(id=cell.text, count=counts[key])
            issues.append(issue(severity, duplicated_code, cell, message, guidance))
    for expected_id in expected:
        if counts[expected_id] == 0:
            issues.append(
                issue(
                    severity,
                    missing_code,
                    None,
                    missing_text.format(id=expected_id),
                    guidance + " Put back the missing row.",
                    sheet=section.sheet,
                )
            )
    return issues
