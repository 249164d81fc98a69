"""Read a national partner table (docs/data-contract.md section 3) into tidy values.

Two layouts: long (Area, Financial year | Year, one column per measure) and
wide by year (Area, one column per year; the measure is the sheet name or the
file stem). Policy, documented in the README: a partner file is loaded whole or
not at all. Any error (unknown area, unknown measure column, unreadable value,
negative count, duplicate row, a local area in a Scotland-only source, a value
under no header) rejects the file and the receipt names every one; warnings
(legacy markers, ignored sheets, empty cells, note rows) do not.

Nothing is dropped silently:
- an empty cell is *missing*: no value is recorded (so it never supersedes an
  earlier value, and is never zero); one warning per sheet lists where;
- a row whose first column is not an area and that has no values (a footnote
  or note under the table) is ignored with a warning naming the row;
- a row that is not an area but has values is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.cells import LEGACY_MARKERS, NumericCell, parse_count, parse_numeric
from cj_pipeline.lib.core.problems import ERROR, WARNING, CellProblem, Issue, a1
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.workbook import OpenedFile, Sheet, find_header_row, header_key
from cj_pipeline.lib.core.years import fy_starting, normalise_year
from cj_pipeline.lib.partners.measures import known_sources, measure_units, scotland_only

# Sheets publishers add around their tables; never data.
IGNORED_SHEETS = frozenset({"notes", "contents", "cover", "cover sheet", "metadata", "readme", "information"})
# Population estimates may give the mid-year instead of the financial year.
MID_YEAR_SOURCES = frozenset({"population"})
# How many cell references a warning lists before saying "and N more".
_LISTED_CELLS = 10


# The name the two layouts of the data contract go by in lineage and receipts.
BUILTIN_RECIPE = "builtin:data_contract"


@dataclass(frozen=True)
class PartnerValue:
    """One value read from a partner file, with the cell it came from and what read it."""

    source: str
    area_code: str
    financial_year: str
    measure: str
    value: float | None
    marker: str | None
    sheet: str
    cell: str  # A1, or first:last for a sum over columns
    raw_value: str | None
    recipe: str = BUILTIN_RECIPE  # the recipe that read it, or the contract's built-in layouts


@dataclass
class PartnerParse:
    source: str
    values: list[PartnerValue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables_read: list[str] = field(default_factory=list)
    empty_cells: int = 0  # cells under a measure or year left empty: missing, nothing recorded
    # (area, year, measure) -> "sheet!cell" of the value already read, across all sheets.
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return bool(self.values) and not any(i.severity == ERROR for i in self.issues)


def _listed(cells: list[str]) -> str:
    shown = ", ".join(cells[:_LISTED_CELLS])
    return shown + (f" and {len(cells) - _LISTED_CELLS} more" if len(cells) > _LISTED_CELLS else "")


class _SheetReader:
    """Reads the data rows under one header row of one sheet."""

    def __init__(self, result: PartnerParse, sheet: Sheet, units: dict[str, str], header_index: int, area_col: int):
        self.result = result
        self.sheet = sheet
        self.units = units
        self.header_index = header_index
        self.area_col = area_col
        self.scotland_only = scotland_only(result.source)
        self.empty: list[str] = []
        self.note_rows: list[str] = []

    def issue(self, severity, code, message, guidance, row=None, col=None, value=None):
        cell = a1(row, col) if row is not None and col is not None else None
        self.result.issues.append(
            Issue(severity, code, message, guidance, self.sheet.name, cell, None if value is None else str(value))
        )

    @staticmethod
    def _get(row: list[object], col: int) -> object:
        return row[col] if col < len(row) else None

    def data_rows(self):
        for row_index in range(self.header_index + 1, len(self.sheet.rows)):
            yield row_index, self.sheet.rows[row_index]

    def parse_value(self, raw, measure, row, col) -> NumericCell | None:
        parser = parse_count if self.units[measure] == "count" else parse_numeric
        try:
            cell = parser(raw)
        except CellProblem as problem:
            self.result.issues.append(problem.at(self.sheet.name, a1(row, col), raw))
            return None
        if isinstance(raw, str) and raw.strip().lower() in LEGACY_MARKERS:
            self.issue(
                WARNING,
                "legacy_marker",
                f"'{raw.strip()}' is an old symbol; read as {cell.marker}.",
                "Use the GSS markers ([c], [x], [z]) in future files.",
                row,
                col,
                raw,
            )
        return cell

    def add(self, area, year, measure, raw, row, col) -> None:
        cell = self.parse_value(raw, measure, row, col)
        if cell is None:
            return
        ref = a1(row, col)
        if cell.is_missing:
            self.empty.append(ref)
            return
        key = (area, year, measure)
        if key in self.result.seen:
            self.issue(
                ERROR,
                "duplicate_value",
                f"{measure} for {area} in {year} appears twice (also at {self.result.seen[key]}).",
                "Keep one row per area and year; check for an area listed under two names "
                "(e.g. 'Fife' and its old code S12000015).",
                row,
                col,
                raw,
            )
            return
        self.result.seen[key] = f"{self.sheet.name}!{ref}"
        self.result.values.append(
            PartnerValue(
                self.result.source,
                area,
                year,
                measure,
                cell.value,
                cell.marker,
                self.sheet.name,
                ref,
                None if raw is None else str(raw),
            )
        )

    def area_or_none(self, row: list[object], row_index: int, value_cols: list[int]) -> str | None:
        """The area of a data row; None for blank and note rows (recorded) and bad areas (an error)."""
        raw = self._get(row, self.area_col)
        values_present = any(self._get(row, col) is not None for col in value_cols)
        try:
            area = normalise_area(raw)
        except CellProblem as problem:
            if not values_present:
                if raw is not None:  # a footnote or note row under the table
                    self.note_rows.append(a1(row_index, self.area_col))
                return None
            self.result.issues.append(problem.at(self.sheet.name, a1(row_index, self.area_col), raw))
            return None
        if self.scotland_only and area != SCOTLAND_CODE:
            self.issue(
                ERROR,
                "scotland_only",
                f"'{raw}' is a local area, but {self.result.source} figures are for Scotland only.",
                "Give only the Scotland row (Scotland or S92000003); the survey has no local figures.",
                row_index,
                self.area_col,
                raw,
            )
            return None
        return area

    def check_unlabelled(self, row: list[object], row_index: int, labelled: set[int]) -> None:
        """A value in a column with no header would otherwise be lost."""
        for col, raw in enumerate(row):
            if raw is not None and col not in labelled:
                self.issue(
                    ERROR,
                    "value_without_header",
                    f"The value '{raw}' is in a column with no header, so it is not known what it measures.",
                    "Give the column a header (a measure id or a year such as 2024-25) or remove the value.",
                    row_index,
                    col,
                    raw,
                )

    def read_year(self, raw, row_index, year_col, mid_year_allowed: bool) -> str | None:
        text = "" if raw is None else str(raw).strip()
        if text.endswith(".0"):
            text = text[:-2]
        try:
            if mid_year_allowed and text.isdigit() and len(text) == 4:
                return fy_starting(int(text))  # mid-2024 estimate -> 2024-25
            return normalise_year(raw)
        except CellProblem as problem:
            if mid_year_allowed:
                problem.guidance = "Give the mid-year of the estimate (e.g. 2024) or the financial year (e.g. 2024-25)."
            self.result.issues.append(problem.at(self.sheet.name, a1(row_index, year_col), raw))
            return None

    def read_long(self, year_col: int, mid_year_allowed: bool, measure_cols: dict[int, str], labelled: set[int]):
        for row_index, row in self.data_rows():
            area = self.area_or_none(row, row_index, list(measure_cols))
            if area is None:
                continue
            self.check_unlabelled(row, row_index, labelled)
            year = self.read_year(self._get(row, year_col), row_index, year_col, mid_year_allowed)
            if year is None:
                continue
            for col, measure in measure_cols.items():
                self.add(area, year, measure, self._get(row, col), row_index, col)

    def read_wide(self, year_cols: dict[int, str], measure: str, labelled: set[int]) -> None:
        for row_index, row in self.data_rows():
            area = self.area_or_none(row, row_index, list(year_cols))
            if area is None:
                continue
            self.check_unlabelled(row, row_index, labelled)
            for col, year in year_cols.items():
                self.add(area, year, measure, self._get(row, col), row_index, col)

    def report_skipped(self) -> None:
        self.result.empty_cells += len(self.empty)
        if self.empty:
            self.issue(
                WARNING,
                "empty_cells",
                f"{len(self.empty)} empty cell(s) read as missing; no value recorded: {_listed(self.empty)}.",
                "Use a marker instead of a blank: [x] not available, [c] confidential, [z] not applicable.",
            )
        if self.note_rows:
            self.issue(
                WARNING,
                "note_rows_ignored",
                f"{len(self.note_rows)} row(s) with no values and no area were read as notes: {_listed(self.note_rows)}.",
                "No action needed if these are notes; if one is an area, check its name.",
            )


def _as_year(value: object) -> str | None:
    try:
        return normalise_year(value)
    except CellProblem:
        return None


def _read_sheet(result: PartnerParse, sheet: Sheet, units: dict[str, str], stem: str, is_csv: bool) -> bool:
    """Read one sheet if it holds a table; returns whether it did."""
    header_index = find_header_row(sheet.rows, {"area"})
    if header_index is None:
        return False
    header = [header_key(cell) for cell in sheet.rows[header_index]]
    reader = _SheetReader(result, sheet, units, header_index, header.index("area"))
    year_col = next((i for i, h in enumerate(header) if h == "financial year"), None)
    mid_year_allowed = False
    if year_col is None and "year" in header:
        year_col, mid_year_allowed = header.index("year"), result.source in MID_YEAR_SOURCES
    units_by_key = {m.casefold(): m for m in units}
    others = {
        i: sheet.rows[header_index][i] for i, h in enumerate(header) if h and i not in (reader.area_col, year_col)
    }
    labelled = {i for i, h in enumerate(header) if h}
    if year_col is not None:
        measure_cols: dict[int, str] = {}
        for col, name in others.items():
            measure = units_by_key.get(header_key(name))
            if measure is None:
                reader.issue(
                    ERROR,
                    "unknown_measure",
                    f"Column '{name}' is not a {result.source} measure.",
                    f"Name measure columns by their ids: {', '.join(units)}.",
                    header_index,
                    col,
                    name,
                )
            else:
                measure_cols[col] = measure
        reader.read_long(year_col, mid_year_allowed, measure_cols, labelled)
        reader.report_skipped()
        return True
    # Wide by year: the measure id is the sheet name (xlsx) or the file stem (csv).
    measure_name = stem if is_csv else sheet.name
    measure = units_by_key.get(header_key(measure_name))
    if measure is None:
        reader.issue(
            ERROR,
            "unknown_measure",
            f"The table has no 'Financial year' column, so it is read as years across the top, but "
            f"the {'file name' if is_csv else 'sheet name'} '{measure_name}' is not a {result.source} measure.",
            f"Either add a 'Financial year' column, or name the {'file' if is_csv else 'sheet'} "
            f"after the measure id: {', '.join(units)}.",
            header_index,
            reader.area_col,
            measure_name,
        )
        return True
    year_cols: dict[int, str] = {}
    for col, name in others.items():
        year = _as_year(name)
        if year is None:
            reader.issue(
                ERROR,
                "unknown_column",
                f"Column '{name}' is neither a financial year nor a known column.",
                "In a table with years across the top, every column after Area must be a year such as 2024-25.",
                header_index,
                col,
                name,
            )
        else:
            year_cols[col] = year
    reader.read_wide(year_cols, measure, labelled)
    reader.report_skipped()
    return True


def parse_partner_file(opened: OpenedFile, source: str, file_name: str) -> PartnerParse:
    """Tidy values and issues from an opened partner file of `source`."""
    result = PartnerParse(source=source, issues=list(opened.issues))
    units = measure_units(source)
    if not units:
        result.issues.append(
            Issue(
                ERROR,
                "unknown_source",
                f"'{source}' is not a partner source we know (file {file_name}).",
                f"Put partner files in raw/partners/<source>/ with source one of: {', '.join(known_sources())}.",
                value=source,
            )
        )
        return result
    if not opened.ok:
        return result
    is_csv = Path(file_name).suffix.lower() == ".csv"
    stem = Path(file_name).stem
    for sheet in opened.sheets:
        if sheet.name.strip().casefold() in IGNORED_SHEETS:
            continue
        if _read_sheet(result, sheet, units, stem, is_csv):
            result.tables_read.append(sheet.name)
        elif any(cell is not None for row in sheet.rows for cell in row):
            result.issues.append(
                Issue(
                    WARNING,
                    "sheet_ignored",
                    f"Sheet '{sheet.name}' has no header row with an Area column; ignored.",
                    "If it holds data, add a header row starting with Area.",
                    sheet.name,
                )
            )
    if not result.tables_read:
        result.issues.append(
            Issue(
                ERROR,
                "no_table",
                f"No table with an 'Area' header column was found in {file_name}.",
                "Put the header row (Area, Financial year, measures... or Area, years...) above the data.",
            )
        )
    elif not result.values and not any(i.severity == ERROR for i in result.issues):
        result.issues.append(
            Issue(
                ERROR,
                "no_values",
                f"The table in {file_name} has a header but no values.",
                "Send the file with its data rows.",
            )
        )
    return result
