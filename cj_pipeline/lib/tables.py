"""Open a received file (xlsx or csv) as plain grids of cells, safely.

Every later step works on `Sheet.rows`, where rows[i][j] is Excel cell (i+1, j+1):
python-calamine keeps absolute positions, so a problem can always be named by
its A1 reference. Files that are not readable workbooks are refused here with
a message a person can act on, before any parser sees them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from cj_pipeline.lib.problems import ERROR, Issue
from cj_pipeline.settings import Settings

# First bytes of file types people rename to .xlsx by mistake.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, or an xlsx encrypted with a password
_PDF_MAGIC = b"%PDF"

ACCEPTED_SUFFIXES = (".xlsx", ".csv")


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    visible: bool = True


@dataclass
class OpenedFile:
    sheets: list[Sheet] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == ERROR for issue in self.issues)


def _refuse(code: str, message: str, guidance: str) -> OpenedFile:
    return OpenedFile(issues=[Issue(ERROR, code, message, guidance)])


def _clean(value: object) -> object:
    """Empty strings are empty cells."""
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252 as Excel on Windows saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes, name: str, settings: Settings) -> OpenedFile:
    text = decode_csv_bytes(data)
    rows: list[list[object]] = []
    for row in csv.reader(io.StringIO(text)):
        if len(rows) >= settings.max_rows:
            return _refuse(
                "too_many_rows",
                f"The file has more than {settings.max_rows:,} rows.",
                "Send one table per file; if it really is this large, ask the CJS data team "
                "to raise CJ_MAX_ROWS.",
            )
        rows.append([_clean(cell) for cell in row])
    return OpenedFile(sheets=[Sheet(name=Path(name).stem, rows=rows)])


def _check_zip(data: bytes, settings: Settings) -> OpenedFile | None:
    """Structural checks on an xlsx container before calamine opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _refuse(
            "corrupt_workbook",
            "The file is damaged or incomplete: it could not be opened as a workbook.",
            "Open it in Excel, save it again as .xlsx and send the new copy.",
        )
    names = {member.filename for member in members}
    if "xl/vbaProject.bin" in names:
        return _refuse(
            "macro_workbook",
            "The workbook contains macros.",
            "Save it as 'Excel Workbook (*.xlsx)', which removes macros, and send that copy.",
        )
    if "xl/workbook.xml" not in names:
        return _refuse(
            "not_a_workbook",
            "The file is a zip archive but not an Excel workbook.",
            "Send the .xlsx file itself, not a zip containing it.",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.max_file_bytes * 10:
        return _refuse(
            "workbook_too_large",
            f"The workbook unpacks to {unpacked:,} bytes, more than the limit.",
            "Remove unused sheets and formatting, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
        )
    return None


def _read_xlsx(data: bytes, settings: Settings) -> OpenedFile:
    if data.startswith(_OLE_MAGIC):
        return _refuse(
            "old_or_protected_workbook",
            "The file is an old Excel 97-2003 (.xls) workbook or is protected with a password.",
            "Remove any password (File > Info > Protect Workbook) and save as 'Excel Workbook (*.xlsx)'.",
        )
    if data.startswith(_PDF_MAGIC):
        return _refuse(
            "not_a_workbook",
            "The file is a PDF renamed to .xlsx.",
            "Send the Excel workbook itself.",
        )
    if not data.startswith(_ZIP_MAGIC):
        return _refuse(
            "not_a_workbook",
            "The file is not an Excel workbook.",
            "Save the return from Excel as 'Excel Workbook (*.xlsx)' and send that file.",
        )
    refused = _check_zip(data, settings)
    if refused:
        return refused
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
        if len(metadata) > settings.max_sheets:
            return _refuse(
                "too_many_sheets",
                f"The workbook has {len(metadata)} sheets, more than the limit of {settings.max_sheets}.",
                "Remove the extra sheets, or ask the CJS data team to raise CJ_MAX_SHEETS.",
            )
        sheets = []
        for meta in metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height > settings.max_rows:
                return _refuse(
                    "too_many_rows",
                    f"Sheet '{meta.name}' has {sheet.height:,} rows, more than the limit of "
                    f"{settings.max_rows:,}.",
                    "Delete empty formatted rows below the table, or ask the CJS data team to "
                    "raise CJ_MAX_ROWS.",
                )
            rows = [[_clean(cell) for cell in row] for row in sheet.to_python(skip_empty_area=False)]
            sheets.append(Sheet(meta.name, rows, visible=str(meta.visible).endswith("Visible")))
        workbook.close()
    except Exception as exc:  # calamine raises several types for damaged files
        return _refuse(
            "corrupt_workbook",
            f"The workbook could not be read ({type(exc).__name__}).",
            "Open it in Excel, save it again as .xlsx and send the new copy.",
        )
    return OpenedFile(sheets=sheets)


def open_table_file(data: bytes, name: str, settings: Settings) -> OpenedFile:
    """Sheets of an .xlsx or .csv given its bytes and original name."""
    suffix = Path(name).suffix.lower()
    if not data:
        return _refuse("empty_file", "The file is empty (0 bytes).", "Send the file again once it has been saved.")
    if len(data) > settings.max_file_bytes:
        return _refuse(
            "file_too_large",
            f"The file is {len(data):,} bytes, more than the limit of {settings.max_file_bytes:,}.",
            "Remove unused sheets or images, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
        )
    if suffix == ".csv":
        return _read_csv(data, name, settings)
    if suffix == ".xlsx":
        return _read_xlsx(data, settings)
    if suffix == ".xlsm":
        return _refuse(
            "macro_workbook",
            "Macro-enabled workbooks (.xlsm) are not accepted.",
            "Save it as 'Excel Workbook (*.xlsx)' and send that copy.",
        )
    if suffix == ".xls":
        return _refuse(
            "old_or_protected_workbook",
            "Old Excel 97-2003 (.xls) workbooks are not accepted.",
            "Open it in Excel and save it as 'Excel Workbook (*.xlsx)'.",
        )
    return _refuse(
        "unsupported_file_type",
        f"Files ending '{suffix or '(no extension)'}' are not accepted.",
        "Send an Excel workbook (.xlsx) or a CSV file (.csv).",
    )


def header_key(value: object) -> str:
    """Header comparison key: case-folded, single spaces."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


def find_header_row(rows: list[list[object]], required: set[str], scan_rows: int = 30) -> int | None:
    """Index of the first row holding every required header name (keys as header_key)."""
    for index, row in enumerate(rows[:scan_rows]):
        present = {header_key(cell) for cell in row if cell is not None}
        if required <= present:
            return index
    return None
