"""Open a partner file for recipes: cell values from calamine, number formats on the side.

.xlsx and .csv go through the pipeline's own safe opener (zip-bomb, size, row
and cell limits). Legacy .xls, which that opener refuses, is checked here under
the same limits before calamine reads it: the BIFF records give every sheet's
extent first. Number formats (for markers shown only through a format) come
from openpyxl for .xlsx and from the BIFF records for .xls.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from cj_pipeline.lib.core.workbook import (
    OpenedFile,
    Sheet,
    clean_cell,
    long_text_refusal,
    open_table_file,
    too_many_cells,
    too_many_rows,
)
from cj_pipeline.lib.core.workbook import (
    refused_file as _refuse,
)
from cj_pipeline.lib.partners.xls_biff import XlsProblem, XlsSheet, read_xls
from cj_pipeline.settings import Settings

Formats = dict[tuple[int, int], str]


@dataclass
class PartnerWorkbook:
    opened: OpenedFile
    kind: str  # "xlsx", "xls" or "csv"
    data: bytes = b""
    xls_sheets: list[XlsSheet] = field(default_factory=list)

    def formats(self, sheet: str) -> Formats:
        """(row, column) -> number format of the numeric cells of one sheet (0-based, as Sheet.rows)."""
        if self.kind == "xls":
            return next((s.formats for s in self.xls_sheets if s.name == sheet), {})
        if self.kind == "xlsx":
            return _xlsx_formats(self.data, sheet)
        return {}


def _xlsx_formats(data: bytes, sheet_name: str) -> Formats:
    """Custom number formats of numeric cells (the zip was already checked by open_table_file)."""
    from openpyxl import load_workbook  # imported here: only needed when a table is read

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        formats: Formats = {}
        for row in workbook[sheet_name].iter_rows():
            for cell in row:
                fmt = getattr(cell, "number_format", None)
                if getattr(cell, "data_type", None) == "n" and cell.value is not None and fmt and fmt != "General":
                    formats[(cell.row - 1, cell.column - 1)] = fmt
        return formats
    finally:
        workbook.close()


def _read_xls(data: bytes, settings: Settings) -> PartnerWorkbook:
    try:
        listed = read_xls(data)
    except XlsProblem as problem:
        return PartnerWorkbook(
            _refuse(
                "unreadable_xls",
                f"The .xls workbook could not be read: {problem}.",
                "Open it in Excel, remove any password, and save it again (as .xls or .xlsx).",
            ),
            "xls",
        )
    if len(listed) > settings.max_sheets:
        return PartnerWorkbook(
            _refuse(
                "too_many_sheets",
                f"The workbook has {len(listed)} sheets, more than the limit of {settings.max_sheets}.",
                "Remove the extra sheets, or ask the CJS data team to raise CJ_MAX_SHEETS.",
            ),
            "xls",
        )
    # Limits first, from the records: calamine allocates every cell up to the last one used.
    for sheet in listed:
        if sheet.rows > settings.max_rows:
            return PartnerWorkbook(too_many_rows(sheet.name, sheet.rows, settings), "xls")
        if max(sheet.rows * sheet.columns, sheet.cells) > settings.max_cells:
            return PartnerWorkbook(too_many_cells(sheet.name, sheet.rows, sheet.columns, settings), "xls")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            rows = [
                [clean_cell(c) for c in row]
                for row in workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            ]
            if too_long := long_text_refusal(meta.name, rows):
                return PartnerWorkbook(too_long, "xls")
            sheets.append(Sheet(meta.name, rows, visible=str(meta.visible).endswith("Visible")))
        workbook.close()
    except Exception as exc:  # calamine raises several types for damaged files
        return PartnerWorkbook(
            _refuse(
                "corrupt_workbook",
                f"The .xls workbook could not be read ({type(exc).__name__}).",
                "Open it in Excel, save it again and send the new copy.",
            ),
            "xls",
        )
    return PartnerWorkbook(OpenedFile(sheets=sheets), "xls", data, listed)


def open_partner_file(data: bytes, file_name: str, settings: Settings) -> PartnerWorkbook:
    """Sheets (and a way to their number formats) of an .xlsx, .xls or .csv partner file."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xls":
        if not data:
            return PartnerWorkbook(_refuse("empty_file", "The file is empty (0 bytes).", "Send the file again."), "xls")
        if len(data) > settings.max_file_bytes:
            return PartnerWorkbook(
                _refuse(
                    "file_too_large",
                    f"The file is {len(data):,} bytes, more than the limit of {settings.max_file_bytes:,}.",
                    "Ask the CJS data team to raise CJ_MAX_FILE_BYTES if this table really is this large.",
                ),
                "xls",
            )
        return _read_xls(data, settings)
    kind = "csv" if suffix == ".csv" else "xlsx"
    return PartnerWorkbook(open_table_file(data, file_name, settings), kind, data)
