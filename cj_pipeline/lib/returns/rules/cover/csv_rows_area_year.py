"""CSV variant: every row names the return's own area and financial year.

The CSV repeats area and financial_year on every row; the return's area and year are the
first row's. A row naming another area or year (a block pasted from another council's or
another year's file) would otherwise be stored under the first row's area and year, so the
file is rejected, naming the rows that disagree. Spellings of the same area or year agree
('Fife', 'fife council', 'S12000047'; '2023-24', '2023/24')."""

from __future__ import annotations

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.core.words import plural
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.returns.layout import AREA_LABEL, YEAR_LABEL
from cj_pipeline.lib.returns.reader import Cell, ReturnFile
from cj_pipeline.lib.returns.rules._helpers import issue

CODE = "row_area_year_differs"
SEVERITY = ERROR
STAGE = "content"
CHECKS = "CSV variant: every row's area and financial_year are the return's own (rows that differ are named)."

MAX_ROWS_NAMED = 20  # one issue per differing cell up to this many; then one summary issue


def _row(cell: Cell) -> str:
    return cell.ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if cell.ref else "?"


def _same(normalise, cell: Cell, expected: str) -> bool:
    try:
        return normalise(cell.value) == expected
    except CellProblem:
        return False


def check(ret: ReturnFile) -> list[Issue]:
    if ret.file_format != "csv" or not ret.row_places:
        return []
    try:
        area = normalise_area(ret.cover_cell(AREA_LABEL).value)
        year = normalise_year(ret.cover_cell(YEAR_LABEL).value)
    except CellProblem:
        return []  # the return's own area or year is unreadable: cover_area / cover_year say so
    area_text, year_text = ret.cover_cell(AREA_LABEL).text, ret.cover_cell(YEAR_LABEL).text
    differing: list[tuple[Cell, str, str]] = []
    for area_cell, year_cell in ret.row_places:
        if not _same(normalise_area, area_cell, area):
            differing.append((area_cell, "area", area_text))
        if not _same(normalise_year, year_cell, year):
            differing.append((year_cell, "financial year", year_text))
    issues = [
        issue(
            SEVERITY,
            CODE,
            cell,
            f"Row {_row(cell)} names the {what} '{cell.text}', but this return is for "
            f"'{expected}' (the first row's); its values would be stored under the wrong {what}.",
            f"Send each area's and year's rows in a file of their own, or correct the {what} on this row.",
        )
        for cell, what, expected in differing[:MAX_ROWS_NAMED]
    ]
    if len(differing) > MAX_ROWS_NAMED:
        rows = sorted({int(_row(c)) for c, _, _ in differing if c.ref})
        issues.append(
            issue(
                SEVERITY,
                CODE,
                None,
                f"{plural(len(differing), 'cell')} in {plural(len(rows), 'row')} name another area or year "
                f"(rows {', '.join(map(str, rows[:200]))}{' ...' if len(rows) > 200 else ''}).",
                "Send each area's and year's rows in a file of their own.",
                sheet=differing[0][0].sheet,
            )
        )
    return issues
