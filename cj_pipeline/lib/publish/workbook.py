"""The accessible spreadsheet (GSS guidance), written with xlsxwriter.

Layout, the same on every table sheet: title in A1, a one-line description in A2,
the header in row 3, data from row 4; one table per sheet, starting at A1; no merged
cells; the header row frozen; numbers stored as numbers; a marker (e.g. [c]) in
place of every missing number, never a blank; units in the headers. Strings are
written with write_string (never a formula) after safe_cell_text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from cj_pipeline.lib.publish.safety import safe_cell_text

HEADER_ROW = 2  # zero-based: row 3


@dataclass
class Column:
    header: str
    key: str
    marker_key: str | None = None  # where to find the marker when the number is missing
    numeric: bool = False


@dataclass
class Table:
    sheet: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]


def write_workbook(path: Path, cover: list[tuple[str, str]], notes: list[tuple[str, str]], tables: list[Table]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    sheet = book.add_worksheet("Cover")
    sheet.write_string(0, 0, safe_cell_text(cover[0][1]), title)
    for row, (label, text) in enumerate(cover[1:], start=1):
        sheet.write_string(row, 0, safe_cell_text(label), bold)
        sheet.write_string(row, 1, safe_cell_text(text), wrap)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100)

    sheet = book.add_worksheet("Contents")
    sheet.write_string(0, 0, "Contents", title)
    sheet.write_string(1, 0, "Each table is on its own sheet; the header is in row 3.")
    for col, header in enumerate(("Sheet", "Table", "Rows")):
        sheet.write_string(HEADER_ROW, col, header, bold)
    for row, table in enumerate(tables, start=HEADER_ROW + 1):
        sheet.write_url(row, 0, f"internal:'{table.sheet}'!A1", string=table.sheet)
        sheet.write_string(row, 1, safe_cell_text(table.title))
        sheet.write_number(row, 2, len(table.rows))
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 80)

    sheet = book.add_worksheet("Notes")
    sheet.write_string(0, 0, "Notes", title)
    sheet.write_string(1, 0, "Markers, disclosure control and rounding used in this release.")
    sheet.write_string(HEADER_ROW, 0, "Note", bold)
    sheet.write_string(HEADER_ROW, 1, "Text", bold)
    for row, (label, text) in enumerate(notes, start=HEADER_ROW + 1):
        sheet.write_string(row, 0, safe_cell_text(label))
        sheet.write_string(row, 1, safe_cell_text(text), wrap)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 110)

    for table in tables:
        _write_table(book, table, title, bold)
    book.close()


def _write_table(book, table: Table, title_format, bold) -> None:
    sheet = book.add_worksheet(table.sheet)
    sheet.write_string(0, 0, safe_cell_text(table.title), title_format)
    sheet.write_string(1, 0, safe_cell_text(table.description))
    for col, column in enumerate(table.columns):
        sheet.write_string(HEADER_ROW, col, column.header, bold)
        sheet.set_column(col, col, max(12, min(40, len(column.header) + 2)))
    for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
        for col, column in enumerate(table.columns):
            value = row.get(column.key)
            if column.numeric:
                if value is None:
                    marker = row.get(column.marker_key) if column.marker_key else None
                    sheet.write_string(r, col, marker or "[x]")
                else:
                    sheet.write_number(r, col, value)
            elif value is None:
                sheet.write_string(
                    r, col, "[z]" if column.marker_key is None else (row.get(column.marker_key) or "[x]")
                )
            elif isinstance(value, bool):
                sheet.write_string(r, col, "Yes" if value else "No")
            else:
                sheet.write_string(r, col, safe_cell_text(value))
    sheet.freeze_panes(HEADER_ROW + 1, 0)
