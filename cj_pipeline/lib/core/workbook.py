"""Open a received file (xlsx or csv) as plain grids of cells, safely.

Every later step works on `Sheet.rows`, where rows[i][j] is Excel cell (i+1, j+1):
python-calamine keeps absolute positions, so a problem can always be named by
its A1 reference. Files that are not readable workbooks are refused here with
a message a person can act on, before any parser sees them.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from python_calamine import CalamineWorkbook

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.settings import Settings

# First bytes of file types people rename to .xlsx by mistake.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, or an xlsx encrypted with a password
_PDF_MAGIC = b"%PDF"

# Excel itself cannot hold more text in one cell; longer text was not typed in Excel.
MAX_CELL_CHARS = 32_767
# Worksheet XML is streamed in chunks this size before calamine sees it (bounded memory).
_CHUNK = 1024 * 1024
_CARRY_MAX = 64 * 1024
_ROW_TAG = re.compile(rb"<row\b")
_CELL_TAG = re.compile(rb"<c\b")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\sr="([A-Z]{1,3})(\d+)"')
_REF_ATTR = re.compile(rb'\sr="([A-Z]{0,3})(\d+)"')
_ERROR_CELL = re.compile(rb'<c\b([^>]*\st="e"[^>]*)>\s*(?:<f\b[^>]*?(?:/>|>[^<]*</f>)\s*)?<v>([^<]{0,40})')
_UNCALCULATED = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*</c>")
_A1 = re.compile(r"\$?([A-Z]{1,3})?\$?(\d+)?$")


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


def refused_file(code: str, message: str, guidance: str) -> OpenedFile:
    """A file refused before any sheet is read: one error saying why and what to do."""
    return OpenedFile(issues=[Issue(ERROR, code, message, guidance)])


def clean_cell(value: object) -> object:
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
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text)):
            if len(rows) >= settings.max_rows:
                return refused_file(
                    "too_many_rows",
                    f"The file has more than {settings.max_rows:,} rows.",
                    "Send one table per file; if it really is this large, ask the CJS data team to raise CJ_MAX_ROWS.",
                )
            cells += len(row)
            if cells > settings.max_cells:
                return refused_file(
                    "too_many_cells",
                    f"Row {len(rows) + 1} takes the file past the limit of {settings.max_cells:,} cells.",
                    "Check the file is comma-separated with one table, or ask the CJS data team to raise CJ_MAX_CELLS.",
                )
            rows.append([cell if cell.strip() else None for cell in row])  # csv gives str
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit, or a NUL byte
        return refused_file(
            "unreadable_csv",
            f"Row {len(rows) + 1} of the CSV file could not be read ({exc}).",
            "Open the file in Excel, save it as 'CSV UTF-8 (Comma delimited)' and send it again.",
        )
    sheet_name = Path(name).stem
    # A text longer than a spreadsheet cell holds (possible in CSV, not in xlsx) is refused here,
    # never cut when published to xlsx (lib/publish/safety.py).
    if too_long := long_text_refusal(sheet_name, rows):
        return too_long
    return OpenedFile(sheets=[Sheet(name=sheet_name, rows=rows)])


def _check_zip(data: bytes, settings: Settings) -> OpenedFile | None:
    """Structural checks on an xlsx container before calamine opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return refused_file(
            "corrupt_workbook",
            "The file is damaged or incomplete: it could not be opened as a workbook.",
            "Open it in Excel, save it again as .xlsx and send the new copy.",
        )
    names = {member.filename for member in members}
    if "xl/vbaProject.bin" in names:
        return refused_file(
            "macro_workbook",
            "The workbook contains macros.",
            "Save it as 'Excel Workbook (*.xlsx)', which removes macros, and send that copy.",
        )
    if "xl/workbook.xml" not in names:
        return refused_file(
            "not_a_workbook",
            "The file is a zip archive but not an Excel workbook.",
            "Send the .xlsx file itself, not a zip containing it.",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.max_file_bytes * 10:
        return _too_large(unpacked)
    # Duplicate names are left to zipfile (which reads the last of them).
    held = _inflate_small(data, members) if len(names) == len(members) else None
    return _stream_members(archive, members, settings, held)


# Members are kept in memory (and inflated straight from the bytes) up to this total size.
_HOLD_MAX = 4 * 1024 * 1024


def _inflate_small(data: bytes, members: list[zipfile.ZipInfo]) -> dict[str, bytes] | None:
    """Every member's content inflated directly from `data`, for a small plain workbook.

    zipfile costs tens of microseconds per member opened, more than inflating a typical
    return. This gives exactly what zipfile's reader would give, and only in the plain case
    (deflated or stored, no encryption, header matching the directory, size and CRC exact);
    anything else returns None and the members are streamed through zipfile as before, so
    its errors and limits apply unchanged.
    """
    if sum(member.file_size for member in members) > _HOLD_MAX:
        return None
    held: dict[str, bytes] = {}
    for member in members:
        if member.flag_bits & 0x61 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        start = member.header_offset
        header = data[start : start + 30]
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            return None
        flags, name_length, extra_length = struct.unpack("<6xH18xHH", header)
        try:
            name = data[start + 30 : start + 30 + name_length].decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if name != member.orig_filename:
            return None
        begin = start + 30 + name_length + extra_length
        raw = data[begin : begin + member.compress_size]
        if len(raw) != member.compress_size:
            return None
        if member.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:
                content = inflater.decompress(raw, member.file_size + 1)
            except zlib.error:
                return None
            if not inflater.eof:
                return None
        elif member.compress_size == member.file_size:
            content = raw
        else:
            return None
        if len(content) != member.file_size or zlib.crc32(content) != member.CRC:
            return None
        held[member.filename] = content
    return held


def _too_large(unpacked: int) -> OpenedFile:
    return refused_file(
        "workbook_too_large",
        f"The workbook unpacks to more than {unpacked:,} bytes, more than the limit.",
        "Remove unused sheets and formatting, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
    )


def _column_number(letters: bytes | str) -> int:
    number = 0
    for char in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(char) - 64
    return number


def _sheet_names(archive: zipfile.ZipFile, held: dict[str, bytes] | None = None) -> dict[str, str]:
    """Worksheet member path -> the sheet's name as Excel shows it (best effort, bounded reads)."""
    try:
        if held is not None:
            workbook = held["xl/workbook.xml"][:_CHUNK].decode("utf-8", "replace")
            rels = held["xl/_rels/workbook.xml.rels"][:_CHUNK].decode("utf-8", "replace")
        else:
            workbook = archive.open("xl/workbook.xml").read(_CHUNK).decode("utf-8", "replace")
            rels = archive.open("xl/_rels/workbook.xml.rels").read(_CHUNK).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError):
        return {}
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        rel_id, target = re.search(r'\bId="([^"]+)"', tag), re.search(r'\bTarget="([^"]+)"', tag)
        if rel_id and target:
            path = target.group(1).lstrip("/")
            targets[rel_id.group(1)] = path if path.startswith("xl/") else f"xl/{path}"
    names = {}
    for tag in re.findall(r"<sheet\b[^>]*>", workbook):
        name, rel_id = re.search(r'\bname="([^"]*)"', tag), re.search(r'\br:id="([^"]+)"', tag)
        if name and rel_id and rel_id.group(1) in targets:
            names[targets[rel_id.group(1)]] = name.group(1)
    return names


def _member_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo, held: dict[str, bytes] | None):
    """A member's inflated bytes in chunks of at most _CHUNK (one chunk when held in memory)."""
    if held is not None:
        content = held[member.filename]
        for start in range(0, len(content), _CHUNK):
            yield content[start : start + _CHUNK]
        return
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _stream_members(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], settings: Settings, held: dict[str, bytes] | None = None
) -> OpenedFile | None:
    """Inflate every member in bounded chunks before calamine opens the workbook.

    Declared sizes can lie (a zip bomb), and calamine allocates a cell for every position
    up to the last row and column a sheet uses, so a few bytes saying row 1,000,000 or
    column XFD would take gigabytes. Here the real inflated size is counted and each
    worksheet's rows, row numbers and cell references (not its <dimension> claim) are checked against
    CJ_MAX_ROWS and CJ_MAX_CELLS while streaming; nothing is held beyond one chunk
    (except `held`, the members of a small workbook already inflated by _inflate_small).
    """
    limit = settings.max_file_bytes * 10
    names = _sheet_names(archive, held)
    inflated = 0
    for member in members:
        is_sheet = member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")
        sheet = names.get(member.filename, member.filename.rsplit("/", 1)[-1])
        max_row = max_col = rows = cells = 0
        where = ""
        carry, prefix = b"", None
        try:
            for chunk in _member_chunks(archive, member, held):
                inflated += len(chunk)
                if inflated > limit:
                    return _too_large(limit)
                if not is_sheet:
                    continue
                text = carry + chunk
                if prefix is None:  # a namespace prefix (<x:row>) is read as plain <row>
                    # (the substring test first: the regex scan costs more than all the rest for a small sheet)
                    found = re.search(rb"<(\w+):worksheet\b", text) if b":worksheet" in text else None
                    prefix = found.group(1) if found else b""
                if prefix:
                    text = text.replace(b"<" + prefix + b":", b"<").replace(b"</" + prefix + b":", b"</")
                cut = text.rfind(b">") + 1
                text, carry = text[:cut], text[cut:][-_CARRY_MAX:]
                # The <dimension> element is a claim, not content: Excel and other writers leave
                # A1:XFD1048576 on a 9-row sheet, and calamine sizes a sheet by the cells really
                # there. Rows and cells are counted from what the sheet holds (row and cell
                # tags, their numbers and references), never from what it claims.
                # findall keeps the scan in C: a sheet of 100,000 rows takes milliseconds.
                rows += len(_ROW_TAG.findall(text))
                row_numbers = _ROW_NUMBER.findall(text)
                if row_numbers and (highest := max(map(int, row_numbers))) > max_row:
                    max_row, where = highest, f"row {highest:,}"
                refs = _CELL_REF.findall(text)
                cells += len(_CELL_TAG.findall(text))
                # map/itemgetter keep these loops in C too.
                for letters in set(map(itemgetter(0), refs)):
                    max_col = max(max_col, _column_number(letters))
                if refs and (highest := max(map(int, map(itemgetter(1), refs)))) > max_row:
                    max_row, where = highest, f"row {highest:,}"
                if bad := _bad_formula_cell(text, sheet):
                    return bad
                if max(max_row, rows) > settings.max_rows:
                    return too_many_rows(sheet, max(max_row, rows), settings, where or None)
                if max(max_row * max_col, cells) > settings.max_cells:
                    return too_many_cells(sheet, max_row, max_col, settings)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
            return refused_file(
                "corrupt_workbook",
                f"The workbook is damaged: its part '{member.filename}' could not be unpacked.",
                "Open it in Excel, save it again as .xlsx and send the new copy.",
            )
    return None


def _bad_formula_cell(text: bytes, sheet: str) -> OpenedFile | None:
    """An Excel error (#REF!, #DIV/0!...) or a formula never calculated reads as a blank cell
    in calamine, which would silently turn a count into 'missing': refuse it instead."""
    if b't="e"' in text and (match := _ERROR_CELL.search(text)):
        ref = _REF_ATTR.search(b" " + match.group(1))
        cell = (ref.group(1) + ref.group(2)).decode() if ref else None
        value = match.group(2).decode("utf-8", "replace")
        return OpenedFile(
            issues=[
                Issue(
                    ERROR,
                    "excel_error_value",
                    f"Cell {cell or '?'} on sheet '{sheet}' shows the Excel error {value}, not a value.",
                    "Fix the formula (or type the value) so the cell shows a number or text, save and send again.",
                    sheet=sheet,
                    cell=cell,
                    value=value,
                )
            ]
        )
    if b"<f" in text and (match := _UNCALCULATED.search(text)):
        ref = _REF_ATTR.search(b" " + match.group(1))
        cell = (ref.group(1) + ref.group(2)).decode() if ref else None
        return OpenedFile(
            issues=[
                Issue(
                    ERROR,
                    "formula_not_calculated",
                    f"Cell {cell or '?'} on sheet '{sheet}' holds a formula with no saved result (the file was "
                    "written by a program that does not calculate).",
                    "Open the file in Excel and save it again (Excel calculates and saves the results), or type "
                    "the values instead of formulas.",
                    sheet=sheet,
                    cell=cell,
                )
            ]
        )
    return None


def too_many_rows(sheet: str, rows: int, settings: Settings, cell: str | None = None) -> OpenedFile:
    return OpenedFile(
        issues=[
            Issue(
                ERROR,
                "too_many_rows",
                f"Sheet '{sheet}' has {rows:,} rows, more than the limit of {settings.max_rows:,}"
                + (f" (it reaches {cell})." if cell else "."),
                "Delete the empty formatted rows below the table (select them, right-click, Delete), or ask "
                "the CJS data team to raise CJ_MAX_ROWS.",
                sheet=sheet,
            )
        ]
    )


def too_many_cells(sheet: str, rows: int, columns: int, settings: Settings) -> OpenedFile:
    return OpenedFile(
        issues=[
            Issue(
                ERROR,
                "too_many_cells",
                f"Sheet '{sheet}' uses {rows:,} rows by {columns:,} columns, more than the limit of "
                f"{settings.max_cells:,} cells.",
                "Delete the empty formatted rows and columns beyond the table, or ask the CJS data team "
                "to raise CJ_MAX_CELLS.",
                sheet=sheet,
            )
        ]
    )


def long_text_refusal(sheet: str, rows: list[list[object]]) -> OpenedFile | None:
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                from cj_pipeline.lib.core.problems import a1

                return OpenedFile(
                    issues=[
                        Issue(
                            ERROR,
                            "cell_text_too_long",
                            f"Cell {a1(r, c)} on sheet '{sheet}' holds {len(value):,} characters; Excel allows "
                            f"{MAX_CELL_CHARS:,}.",
                            "Shorten the text in that cell (put long commentary in a separate document).",
                            sheet=sheet,
                            cell=a1(r, c),
                            value=value[:60] + "...",
                        )
                    ]
                )
    return None


def _read_xlsx(data: bytes, settings: Settings) -> OpenedFile:
    if data.startswith(_OLE_MAGIC):
        return refused_file(
            "old_or_protected_workbook",
            "The file is an old Excel 97-2003 (.xls) workbook or is protected with a password.",
            "Remove any password (File > Info > Protect Workbook) and save as 'Excel Workbook (*.xlsx)'.",
        )
    if data.startswith(_PDF_MAGIC):
        return refused_file(
            "not_a_workbook",
            "The file is a PDF renamed to .xlsx.",
            "Send the Excel workbook itself.",
        )
    if not data.startswith(_ZIP_MAGIC):
        return refused_file(
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
            return refused_file(
                "too_many_sheets",
                f"The workbook has {len(metadata)} sheets, more than the limit of {settings.max_sheets}.",
                "Remove the extra sheets, or ask the CJS data team to raise CJ_MAX_SHEETS.",
            )
        sheets = []
        for meta in metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height > settings.max_rows:
                return too_many_rows(meta.name, sheet.height, settings)
            if sheet.height * sheet.width > settings.max_cells:
                return too_many_cells(meta.name, sheet.height, sheet.width, settings)
            rows = [[clean_cell(cell) for cell in row] for row in sheet.to_python(skip_empty_area=False)]
            if too_long := long_text_refusal(meta.name, rows):
                return too_long
            sheets.append(Sheet(meta.name, rows, visible=str(meta.visible).endswith("Visible")))
        workbook.close()
    except Exception as exc:  # calamine raises several types for damaged files
        return refused_file(
            "corrupt_workbook",
            f"The workbook could not be read ({type(exc).__name__}).",
            "Open it in Excel, save it again as .xlsx and send the new copy.",
        )
    return OpenedFile(sheets=sheets)


def open_table_file(data: bytes, name: str, settings: Settings) -> OpenedFile:
    """Sheets of an .xlsx or .csv given its bytes and original name."""
    suffix = Path(name).suffix.lower()
    if not data:
        return refused_file("empty_file", "The file is empty (0 bytes).", "Send the file again once it has been saved.")
    if len(data) > settings.max_file_bytes:
        return refused_file(
            "file_too_large",
            f"The file is {len(data):,} bytes, more than the limit of {settings.max_file_bytes:,}.",
            "Remove unused sheets or images, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
        )
    if suffix == ".csv":
        return _read_csv(data, name, settings)
    if suffix == ".xlsx":
        return _read_xlsx(data, settings)
    if suffix == ".xlsm":
        return refused_file(
            "macro_workbook",
            "Macro-enabled workbooks (.xlsm) are not accepted.",
            "Save it as 'Excel Workbook (*.xlsx)' and send that copy.",
        )
    if suffix == ".xls":
        return refused_file(
            "old_or_protected_workbook",
            "Old Excel 97-2003 (.xls) workbooks are not accepted.",
            "Open it in Excel and save it as 'Excel Workbook (*.xlsx)'.",
        )
    return refused_file(
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
