"""Read a national partner table (return-spec section 3) into tidy values.

Two layouts: long (Area, Financial year | Year, one column per measure) and
wide by year (Area, one column per year; the measure is the sheet name or the
file stem). Policy, documented in the README: a partner file is loaded whole or
not at all. Any error (unknown area, unknown measure column, unreadable value,
duplicate row) rejects the file and the receipt names every one; warnings
(legacy markers, ignored sheets) do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cj_pipeline.lib.areas import normalise_area
from cj_pipeline.lib.cells import LEGACY_MARKERS, NumericCell, parse_count, parse_numeric
from cj_pipeline.lib.problems import ERROR, WARNING, CellProblem, Issue, a1
from cj_pipeline.lib.seeds import read_seed
from cj_pipeline.lib.tables import OpenedFile, Sheet, find_header_row, header_key
from cj_pipeline.lib.years import fy_starting, normalise_year

# Sheets publishers add around their tables; never data.
IGNORED_SHEETS = frozenset({"notes", "contents", "cover", "cover sheet", "metadata", "readme", "information"})


@dataclass(frozen=True)
class PartnerValue:
    source: str
    area_code: str
    financial_year: str
    measure: str
    value: float | None
    marker: str | None
    sheet: str
    cell: str
    raw_value: str | None


@dataclass
class PartnerParse:
    source: str
    values: list[PartnerValue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables_read: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return bool(self.values) and not any(i.severity == ERROR for i in self.issues)


def measure_units(source: str) -> dict[str, str]:
    """Measure id -> unit for one source, from the partner_measures seed."""
    return {row["measure"]: row["unit"] for row in read_seed("partner_measures") if row["source"] == source}


def known_sources() -> list[str]:
    return list(dict.fromkeys(row["source"] for row in read_seed("partner_measures")))


class _SheetReader:
    def __init__(self, result: PartnerParse, sheet: Sheet, units: dict[str, str]):
        self.result = result
        self.sheet = sheet
        self.units = units
        self.seen: dict[tuple[str, str, str], str] = {}

    def issue(self, severity, code, message, guidance, row=None, col=None, value=None):
        cell = a1(row, col) if row is not None and col is not None else None
        self.result.issues.append(
            Issue(severity, code, message, guidance, self.sheet.name, cell, None if value is None else str(value))
        )

    def parse_value(self, raw, measure, row, col) -> NumericCell | None:
        parser = parse_count if self.units[measure] == "count" else parse_numeric
        try:
            cell = parser(raw)
        except CellProblem as problem:
            self.result.issues.append(problem.at(self.sheet.name, a1(row, col), raw))
            return None
        if isinstance(raw, str) and raw.strip().lower() in LEGACY_MARKERS:
            self.issue(
                WARNING, "legacy_marker",
                f"'{raw.strip()}' is an old symbol; read as {cell.marker}.",
                "Use the GSS markers ([c], [x], [z]) in future files.", row, col, raw,
            )  # fmt: skip
        return cell

    def add(self, area, year, measure, raw, row, col) -> None:
        cell = self.parse_value(raw, measure, row, col)
        if cell is None:
            return
        key = (area, year, measure)
        ref = a1(row, col)
        if key in self.seen:
            self.issue(
                ERROR, "duplicate_value",
                f"{measure} for {area} in {year} appears twice (also at {self.seen[key]}).",
                "Keep one row per area and year; check for an area listed under two names.",
                row, col, raw,
            )  # fmt: skip
            return
        self.seen[key] = ref
        self.result.values.append(
            PartnerValue(self.result.source, area, year, measure, cell.value, cell.marker,
                         self.sheet.name, ref, None if raw is None else str(raw))  # fmt: skip
        )

    def area_or_none(self, raw, row, values_present: bool) -> str | None:
        try:
            return normalise_area(raw)
        except CellProblem as problem:
            if raw is None and not values_present:
                return None  # blank spacer row
            if not values_present:
                return None  # a footnote under the table
            self.result.issues.append(problem.at(self.sheet.name, a1(row, 0), raw))
            return None

    def read_long(self, header_index: int, year_col: int, mid_year: bool, measure_cols: dict[int, str]) -> None:
        for row_index in range(header_index + 1, len(self.sheet.rows)):
            row = self.sheet.rows[row_index]
            cells = {col: (row[col] if col < len(row) else None) for col in measure_cols}
            area_raw = row[self.area_col] if self.area_col < len(row) else None
            area = self.area_or_none(area_raw, row_index, any(v is not None for v in cells.values()))
            if area is None:
                continue
            year_raw = row[year_col] if year_col < len(row) else None
            try:
                year = self.mid_year(year_raw) if mid_year else normalise_year(year_raw)
            except CellProblem as problem:
                self.result.issues.append(problem.at(self.sheet.name, a1(row_index, year_col), year_raw))
                continue
            for col, measure in measure_cols.items():
                self.add(area, year, measure, cells[col], row_index, col)

    def read_wide(self, header_index: int, year_cols: dict[int, str], measure: str) -> None:
        for row_index in range(header_index + 1, len(self.sheet.rows)):
            row = self.sheet.rows[row_index]
            cells = {col: (row[col] if col < len(row) else None) for col in year_cols}
            area_raw = row[self.area_col] if self.area_col < len(row) else None
            area = self.area_or_none(area_raw, row_index, any(v is not None for v in cells.values()))
            if area is None:
                continue
            for col, year in year_cols.items():
                self.add(area, year, measure, cells[col], row_index, col)

    def mid_year(self, raw) -> str:
        """Population `Year` is a mid-year (30 June): mid-2024 -> 2024-25."""
        text = "" if raw is None else str(raw).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not (text.isdigit() and len(text) == 4):
            raise CellProblem(
                "invalid_year", f"'{text}' is not a calendar year.",
                "The Year column holds the mid-year of the estimate, e.g. 2024.",
            )  # fmt: skip
        return fy_starting(int(text))


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
    reader = _SheetReader(result, sheet, units)
    header = [header_key(cell) for cell in sheet.rows[header_index]]
    reader.area_col = header.index("area")
    year_col = next((i for i, h in enumerate(header) if h == "financial year"), None)
    mid_year = False
    if year_col is None and "year" in header:
        year_col, mid_year = header.index("year"), True
    units_by_key = {m.casefold(): m for m in units}
    others = {i: sheet.rows[header_index][i] for i, h in enumerate(header)
              if h and i not in (reader.area_col, year_col)}  # fmt: skip
    if year_col is not None:
        measure_cols: dict[int, str] = {}
        for col, name in others.items():
            measure = units_by_key.get(header_key(name))
            if measure is None:
                reader.issue(
                    ERROR, "unknown_measure",
                    f"Column '{name}' is not a {result.source} measure.",
                    f"Name measure columns by their ids: {', '.join(units)}.",
                    header_index, col, name,
                )  # fmt: skip
            else:
                measure_cols[col] = measure
        reader.read_long(header_index, year_col, mid_year, measure_cols)
        return True
    # Wide by year: the measure id is the sheet name (xlsx) or the file stem (csv).
    measure_name = stem if is_csv else sheet.name
    measure = units_by_key.get(header_key(measure_name))
    if measure is None:
        reader.issue(
            ERROR, "unknown_measure",
            f"The table has years across the top, but '{measure_name}' is not a {result.source} measure.",
            f"Name the {'file' if is_csv else 'sheet'} after the measure id: {', '.join(units)}.",
        )  # fmt: skip
        return True
    year_cols: dict[int, str] = {}
    for col, name in others.items():
        year = _as_year(name)
        if year is None:
            reader.issue(
                ERROR, "unknown_column",
                f"Column '{name}' is neither a financial year nor a known column.",
                "In a table with years across the top, every column after Area must be a year such as 2024-25.",
                header_index, col, name,
            )  # fmt: skip
        else:
            year_cols[col] = year
    reader.read_wide(header_index, year_cols, measure)
    return True


def parse_partner_file(opened: OpenedFile, source: str, file_name: str) -> PartnerParse:
    """Tidy values and issues from an opened partner file of `source`."""
    result = PartnerParse(source=source, issues=list(opened.issues))
    units = measure_units(source)
    if not units:
        result.issues.append(
            Issue(ERROR, "unknown_source", f"'{source}' is not a partner source we know.",
                  f"Put partner files in raw/partners/<source>/ with source one of: {', '.join(known_sources())}.")
        )  # fmt: skip
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
        elif sheet.rows:
            result.issues.append(
                Issue(WARNING, "sheet_ignored", f"Sheet '{sheet.name}' has no header row with an Area column; ignored.",
                      "If it holds data, add a header row starting with Area.", sheet.name)
            )  # fmt: skip
    if not result.tables_read:
        result.issues.append(
            Issue(ERROR, "no_table", "No table with an 'Area' header column was found.",
                  "Put the header row (Area, Financial year, measures... or Area, years...) above the data.")
        )  # fmt: skip
    elif not result.values and not any(i.severity == ERROR for i in result.issues):
        result.issues.append(
            Issue(ERROR, "no_values", "The table has a header but no rows of data.", "Send the file with its data rows.")
        )
    return result
