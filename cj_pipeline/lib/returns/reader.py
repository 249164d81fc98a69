"""Read a local area return (docs/data-contract.md section 2) into a plain structure.

Tolerant where the spec says so: sheets are found by name in any case, the
header row is found by its column names (title and guidance rows above it,
column order and extra columns do not matter), Cover labels may sit in any
column with their value to the right. Nothing here judges the values: the
rules in `returns/rules/` do that, each naming the sheet and cell it read.

The CSV variant (columns area, financial_year, section, id, field, value) is
turned into the same structure, so one set of rules serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cj_pipeline.lib.core.problems import Issue, a1, column_letter
from cj_pipeline.lib.core.workbook import OpenedFile, Sheet, find_header_row, header_key
from cj_pipeline.lib.returns.layout import (
    AREA_LABEL,
    COVER,
    COVER_LABELS,
    CSV_COLUMNS,
    ID_COLUMNS,
    REQUIRED_SHEETS,
    SECTION_COLUMNS,
    YEAR_LABEL,
)


@dataclass(frozen=True)
class Cell:
    """A value with where it was read, so every issue can name its cell."""

    value: object
    sheet: str
    ref: str | None

    @property
    def text(self) -> str:
        """The value as trimmed text ('' when empty); whole floats lose their '.0'."""
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return " ".join(str(self.value).split())


@dataclass
class Section:
    name: str  # canonical sheet name
    sheet: str | None = None  # the name as found in the file; None when absent
    missing_columns: list[str] = field(default_factory=list)
    records: list[dict[str, Cell]] = field(default_factory=list)  # column -> Cell
    header_ref: str | None = None


@dataclass
class ReturnFile:
    file_name: str
    file_format: str  # "xlsx" or "csv"
    cover: dict[str, Cell] = field(default_factory=dict)  # label -> value cell
    sections: dict[str, Section] = field(default_factory=dict)
    missing_sheets: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)  # template sheets hidden in Excel (still read)
    missing_csv_columns: list[str] = field(default_factory=list)
    open_issues: list[Issue] = field(default_factory=list)  # file could not be opened
    # CSV variant only: every data row's own area and financial_year cells, so a rule can check
    # each row belongs to the return's area and year (rules/cover/csv_rows_area_year.py).
    row_places: list[tuple[Cell, Cell]] = field(default_factory=list)

    def cover_cell(self, label: str) -> Cell:
        return self.cover.get(label, Cell(None, COVER, None))


def _row_is_empty(row: list[object]) -> bool:
    return all(value is None for value in row)


def _read_cover(sheet: Sheet) -> dict[str, Cell]:
    """Cover labels anywhere in the first columns; the value is the next cell right."""
    wanted = {header_key(label): label for label in COVER_LABELS}
    found: dict[str, Cell] = {}
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row[:5]):
            label = wanted.get(header_key(value))
            if label and label not in found:
                found[label] = Cell(row[c + 1] if c + 1 < len(row) else None, sheet.name, a1(r, c + 1))
    return found


def _read_section(sheet: Sheet, name: str) -> Section:
    columns = SECTION_COLUMNS[name]
    section = Section(name=name, sheet=sheet.name)
    keys = {header_key(column): column for column in columns}
    # Find the header by the ID column (or first column) and as many names as possible.
    anchor = header_key(ID_COLUMNS.get(name, columns[0]))
    header_index = find_header_row(sheet.rows, {anchor})
    if header_index is None:
        section.missing_columns = list(columns)
        return section
    header = sheet.rows[header_index]
    positions: dict[str, int] = {}
    for c, value in enumerate(header):
        column = keys.get(header_key(value))
        if column and column not in positions:
            positions[column] = c
    section.missing_columns = [column for column in columns if column not in positions]
    section.header_ref = a1(header_index, 0)
    # Column letters once per sheet, not once per cell (same refs as a1()).
    placed = [(column, c, column_letter(c)) for column, c in positions.items()]
    name = sheet.name
    for r in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[r]
        width = len(row)
        if not any(row[c] is not None for _, c, _ in placed if c < width):
            continue  # a row empty in every template column
        number = str(r + 1)
        section.records.append(
            {column: Cell(row[c] if c < width else None, name, letters + number) for column, c, letters in placed}
        )
    return section


def read_workbook(opened: OpenedFile, file_name: str) -> ReturnFile:
    """A ReturnFile from an opened .xlsx (sheets matched by name, any case)."""
    result = ReturnFile(file_name=file_name, file_format="xlsx", open_issues=list(opened.issues))
    by_key = {header_key(sheet.name): sheet for sheet in opened.sheets}
    for name in REQUIRED_SHEETS:
        sheet = by_key.get(header_key(name))
        if sheet is None:
            result.missing_sheets.append(name)
            if name != COVER:
                result.sections[name] = Section(name=name)
            continue
        if not sheet.visible:
            result.hidden_sheets.append(sheet.name)
        if name == COVER:
            result.cover = _read_cover(sheet)
        else:
            result.sections[name] = _read_section(sheet, name)
    return result


def read_csv_return(opened: OpenedFile, file_name: str) -> ReturnFile:
    """A ReturnFile from the long CSV variant: one row per section x id x field."""
    result = ReturnFile(file_name=file_name, file_format="csv", open_issues=list(opened.issues))
    sheet = opened.sheets[0] if opened.sheets else Sheet(file_name, [])
    header_index = find_header_row(sheet.rows, set(CSV_COLUMNS))
    if header_index is None:
        present = {header_key(v) for row in sheet.rows[:1] for v in row if v is not None}
        result.missing_csv_columns = [c for c in CSV_COLUMNS if c not in present]
        return result
    header = [header_key(v) for v in sheet.rows[header_index]]
    pos = {column: header.index(column) for column in CSV_COLUMNS}
    sections = {header_key(name): Section(name=name, sheet=name) for name in SECTION_COLUMNS}
    keyed: dict[tuple[str, str], dict[str, Cell]] = {}
    for r in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if _row_is_empty(row):
            continue

        def get(column: str, row=row, r=r) -> Cell:
            c = pos[column]
            return Cell(row[c] if c < len(row) else None, sheet.name, a1(r, c))

        area, year = get("area"), get("financial_year")
        result.row_places.append((area, year))
        if AREA_LABEL not in result.cover and area.value is not None:
            result.cover[AREA_LABEL] = area
        if YEAR_LABEL not in result.cover and year.value is not None:
            result.cover[YEAR_LABEL] = year
        section_key, ident, field_name = header_key(get("section").value), get("id"), get("field")
        value = get("value")
        if section_key == header_key(COVER):
            label = next((lb for lb in COVER_LABELS if header_key(lb) == header_key(field_name.value)), None)
            if label:
                result.cover.setdefault(label, value)
            continue
        section = sections.get(section_key)
        if section is None:
            continue
        column = next((c for c in SECTION_COLUMNS[section.name] if header_key(c) == header_key(field_name.value)), None)
        if column is None:
            continue
        key = (section.name, ident.text)
        if key not in keyed:
            record: dict[str, Cell] = {}
            id_column = ID_COLUMNS.get(section.name)
            if id_column:
                record[id_column] = Cell(ident.value, sheet.name, ident.ref)
            keyed[key] = record
            section.records.append(record)
        keyed[key][column] = Cell(value.value, sheet.name, value.ref)
    for section in sections.values():
        # Columns a record did not mention are empty cells with no position.
        for record in section.records:
            for column in SECTION_COLUMNS[section.name]:
                record.setdefault(column, Cell(None, sheet.name, None))
        result.sections[section.name] = section
    return result


def read_return(opened: OpenedFile, file_name: str) -> ReturnFile:
    if file_name.lower().endswith(".csv"):
        return read_csv_return(opened, file_name)
    return read_workbook(opened, file_name)
