"""Apply table recipes to a partner file exactly as published: tidy values with lineage.

`extract(data, file_name, source, recipes)` chooses the recipes whose `files`
globs match the file, opens it safely (.xlsx, .xls, .csv), finds each recipe's
table and reads every value as (area, financial year, measure) with the sheet
and cell it came from. Policy, as for our own layouts: a file is taken whole or
not at all. Any error (a recipe that no longer matches, an unknown area, an
unreadable value, a duplicate) makes `accepted` false, and callers store
nothing; the values are kept only so a preview can show them next to the
problems. Warnings (empty cells, note rows) never block.
"""

from __future__ import annotations

import fnmatch
import functools
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from cj_pipeline.lib.core.problems import ERROR, WARNING, CellProblem, Issue, a1
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.workbook import OpenedFile, Sheet
from cj_pipeline.lib.partners.labels import (
    AreaReader,
    clean_label,
    strip_footnote_digits,
    year_from_label,
    years_in_text,
)
from cj_pipeline.lib.partners.locate import (
    Located,
    Mismatch,
    choose_sheet,
    holds_header,
    locate,
    mismatch,
    sheets_to_read,
)
from cj_pipeline.lib.partners.measures import scotland_only_source
from cj_pipeline.lib.partners.recipe import BUILTIN_RECIPE, MeasureSpec, Recipe
from cj_pipeline.lib.partners.values import PartnerValue, Reading, read_cell, scaled, summed
from cj_pipeline.lib.partners.workbook_cells import PartnerWorkbook, open_partner_file
from cj_pipeline.settings import Settings, get_settings

_LISTED = 10  # cell references a warning lists before "and N more"


@dataclass
class PartnerReading:
    """What reading one partner file gave: the one result of the engine, intake and the preview."""

    source: str
    file_name: str
    values: list[PartnerValue] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    recipes_used: list[str] = field(default_factory=list)
    missed: bool = False  # a recipe's own reading: its table was not found (or did not match)
    tables_read: list[str] = field(default_factory=list)  # sheets a table was read from
    empty_cells: int = 0  # cells read as missing (nothing recorded)
    by_fallback: bool = False  # read by fallback recipes (no recipe of the source names the file)

    @property
    def accepted(self) -> bool:
        return bool(self.values) and not any(issue.severity == ERROR for issue in self.issues)

    @property
    def read_by(self) -> str:
        """Who read the file: "recipes", the fallback recipe(s) (BUILTIN_RECIPE), or "none"."""
        if self.by_fallback:
            return ", ".join(dict.fromkeys(self.recipes_used)) or BUILTIN_RECIPE
        return "recipes" if self.recipes_used else "none"

    @property
    def tables_named(self) -> list[str]:
        """The tables read as a receipt names them: "recipe (sheet)", or the sheets for a fallback."""
        if self.by_fallback:
            return list(self.tables_read)
        return list(dict.fromkeys(f"{v.recipe} ({v.sheet})" for v in self.values))

    def rows(self) -> list[dict]:
        """raw.partner_values rows (without submission_id), in reading order."""
        # Every field is a plain value: a shallow dict (asdict deep-copies each field, a tenth of
        # a partner file's intake for thousands of values).
        return [dict(vars(value)) for value in self.values]

    def summary(self) -> dict:
        """What a receipt says about the values read (empty when none were)."""
        if not self.values:
            return {}
        markers = Counter(v.marker for v in self.values if v.marker)
        return {
            "source": self.source,
            "read_by": self.read_by,
            "tables_read": ", ".join(self.tables_named),
            "rows_read": len(self.values),
            "rows_loaded": len(self.values) if self.accepted else 0,  # a file is loaded whole or not at all
            "empty_cells": self.empty_cells,
            "areas": len({v.area_code for v in self.values if v.area_code != SCOTLAND_CODE}),
            "scotland_row": "yes" if any(v.area_code == SCOTLAND_CODE for v in self.values) else "no",
            "years": ", ".join(sorted({v.financial_year for v in self.values})),
            "measures": ", ".join(sorted({v.measure for v in self.values})),
            "markers": ", ".join(f"{m} x{n}" for m, n in sorted(markers.items())) or "none",
        }


@dataclass(frozen=True)
class _ValueColumn:
    cols: tuple[int, ...]  # one column, or several summed
    area: str | None = None
    year: str | None = None
    measure: MeasureSpec | None = None
    repeated: bool = False  # one fixed area's value repeated on every row (read once)


def _listed(cells: list[str]) -> str:
    return ", ".join(cells[:_LISTED]) + (f" and {len(cells) - _LISTED} more" if len(cells) > _LISTED else "")


def _cell(row: list[object], col: int) -> object:
    return row[col] if col < len(row) else None


@functools.lru_cache(maxsize=4096, typed=True)
def _year_label(raw: str | float | int | None, calendar: str | None) -> str | None:
    return year_from_label(raw, calendar)  # a long table repeats its years thousands of times


def _filled(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _within(cell: object, bounds: tuple[float | None, float | None]) -> bool:
    """A numeric filter: the cell is a number (or number as text) within the bounds."""
    try:
        number = float(str(cell).strip())
    except ValueError:
        return False
    low, high = bounds
    return (low is None or number >= low) and (high is None or number <= high)


def _ranges(cells: list[tuple[int, int]]) -> str:
    """Cells of one column as runs of rows: E18:E92,E109:E183 (the lineage of a sum over rows)."""
    runs: list[list[tuple[int, int]]] = []
    for row, col in sorted(cells, key=lambda c: (c[1], c[0])):
        if runs and runs[-1][-1] == (row - 1, col):
            runs[-1].append((row, col))
        else:
            runs.append([(row, col)])
    return ",".join(a1(*run[0]) + (f":{a1(*run[-1])}" if len(run) > 1 else "") for run in runs)


class _TableReader:
    """Reads the values of one located table under one recipe."""

    def __init__(self, recipe: Recipe, table: Located, formats: dict, file_name: str, out: PartnerReading, seen: dict):
        self.recipe, self.table, self.formats, self.out = recipe, table, formats, out
        self.file_name = file_name
        self.sheet = table.sheet.name
        self.units = recipe.units
        self.units_by_key = {measure.casefold(): measure for measure in recipe.units}
        self.scotland_only = scotland_only_source(recipe.source)  # every measure of the source, in the seed
        self.areas = AreaReader(list(recipe.areas.scotland), list(recipe.areas.skip), recipe.areas.footnote_digits)
        self.seen: dict[tuple[str, str, str], str] = seen  # -> "sheet!cell", across the sheets read
        self.empty: list[str] = []
        self.note_rows: list[str] = []
        self.sums: dict[tuple[str, str, str], list[tuple[Reading, int, int]]] = {}
        self.repeats: dict[tuple[str, str, str], tuple[Reading, str]] = {}
        self.groups_seen: list[str] = []

    # -- problems -------------------------------------------------------------
    def problem(self, severity: str, code: str, message: str, guidance: str, row=None, col=None, value=None):
        cell = a1(row, col) if row is not None and col is not None else None
        self.out.issues.append(
            Issue(
                severity,
                code,
                f"{self.recipe.label}: {message}",
                guidance,
                self.sheet,
                cell,
                None if value is None else str(value),
            )
        )

    def cell_problem(self, problem: CellProblem, row: int, col: int, raw: object) -> None:
        issue = problem.at(self.sheet, a1(row, col), raw)
        self.out.issues.append(replace(issue, message=f"{self.recipe.label}: {issue.message}"))

    # -- fixed keys -----------------------------------------------------------
    def fixed_area(self) -> str | None:
        if self.recipe.areas.fixed is None:
            return None
        return self.areas.code(self.recipe.areas.fixed)

    def fixed_year(self) -> str | None:
        spec = self.recipe.years
        if spec.fixed:
            year = year_from_label(spec.fixed, spec.calendar)
            if year is None:
                raise mismatch(
                    self.recipe,
                    "invalid_year",
                    f"fixed = '{spec.fixed}' in [years] is not a year.",
                    "Write the financial year as 2024-25.",
                )
            return year
        if not (spec.from_title or spec.from_file_name):
            return None
        text, where = (self.table.title, "title") if spec.from_title else (Path(self.file_name).stem, "file name")
        years = years_in_text(text, spec.calendar)
        if len(years) != 1:
            found = f"it names {', '.join(years)}" if years else "it names no year"
            rule = "" if spec.calendar else ' (a calendar year such as mid-2022 needs calendar = "mid_year")'
            raise mismatch(
                self.recipe,
                "year_not_found",
                f"the year must be the only year in the {where} of {self.sheet}, but {found}{rule}: '{text}'.",
                "Check the recipe reads the right table, or give the year with [years] fixed.",
                self.sheet,
            )
        return years[0]

    # -- columns --------------------------------------------------------------
    def key_columns(self) -> dict[str, int]:
        spec, table = self.recipe, self.table
        named = {"area": spec.areas.column, "year": spec.years.column, "row label": spec.table.row_label_column}
        columns = {what: table.column(spec, label, what) for what, label in named.items() if label}
        for label in [*spec.filters, *spec.ranges]:
            columns[f"filter:{label}"] = table.column(spec, label, "filter")
        if spec.groups:
            columns["group"] = table.column(spec, spec.groups.column, "groups")
        return columns

    def ignored(self, label: str) -> bool:
        return any(fnmatch.fnmatch(label, pattern.casefold()) for pattern in self.recipe.table.ignore_columns)

    def across_columns(self, used: set[int], measure: MeasureSpec | None) -> list[_ValueColumn]:
        """Value columns when years or areas run across the header."""
        spec, found = self.recipe, []
        for col, label in enumerate(self.table.labels):
            if col in used or not label or self.ignored(label):
                continue
            if spec.years.across:
                year = year_from_label(label, spec.years.calendar)
                if year is not None:
                    found.append(_ValueColumn((col,), year=year, measure=measure))
                    continue
            else:
                try:
                    area = self.areas.code(self.table.shown[col])
                except CellProblem:
                    area = None
                if area == AreaReader.SKIP or (
                    area and not self.area_allowed(area, self.table.anchor, col, self.table.shown[col])
                ):
                    continue
                if area is not None:
                    found.append(_ValueColumn((col,), area=area, measure=measure))
                    continue
            what = "a year" if spec.years.across else "an area"
            self.problem(
                ERROR,
                "unknown_column" if spec.measure_ids else "unexpected_column",
                f"column '{self.table.shown[col]}' of {self.sheet} is neither {what} nor a column the recipe uses.",
                "If the publisher added a column the recipe should not read, add its label to ignore_columns "
                "in [table]; if it is a year or area, check its spelling.",
                self.table.anchor,
                col,
                self.table.shown[col],
            )
        if not found:
            raise mismatch(
                spec,
                "no_value_columns",
                f"no {'year' if spec.years.across else 'area'} columns in the "
                f"header of {self.sheet}: {', '.join(repr(s) for s in self.table.shown if s)}.",
                "Check the recipe reads the right table.",
                self.sheet,
            )
        return found

    def header_measure_columns(self, used: set[int]) -> list[_ValueColumn]:
        """measure_ids = "header": every other labelled column is headed by a measure id."""
        found = []
        for col, label in enumerate(self.table.labels):
            if col in used or not label or self.ignored(label):
                continue
            if (measure := self.units_by_key.get(label)) is not None:
                found.append(_ValueColumn((col,), measure=MeasureSpec(measure)))
                continue
            self.problem(
                ERROR,
                "unknown_measure",
                f"column '{self.table.shown[col]}' of {self.sheet} is not a {self.recipe.source} measure.",
                f"Name measure columns by their ids: {', '.join(self.units)}.",
                self.table.anchor,
                col,
                self.table.shown[col],
            )
        return found

    def sheet_measure(self, columns: dict[str, int]) -> MeasureSpec | None:
        """measure_ids = "sheet_name": the sheet's name (a CSV's file stem) is the measure id."""
        if (measure := self.units_by_key.get(clean_label(self.sheet))) is not None:
            return MeasureSpec(measure)
        what = "file" if Path(self.file_name).suffix.casefold() == ".csv" else "sheet"
        self.problem(
            ERROR,
            "unknown_measure",
            f"the table has no year column, so it is read as years across the top, but the {what} name "
            f"'{self.sheet}' is not a {self.recipe.source} measure.",
            f"Either add a year column, or name the {what} after the measure id: {', '.join(self.units)}.",
            self.table.anchor,
            columns.get("area", 0),
            self.sheet,
        )
        return None

    def measure_columns(self) -> list[_ValueColumn]:
        found = []
        for measure in self.recipe.measures:
            if measure.column:
                cols = (self.table.column(self.recipe, measure.column, f"measure {measure.id}"),)
            elif measure.columns:
                cols = tuple(self.table.column(self.recipe, c, f"measure {measure.id}") for c in measure.columns)
            elif measure.column_range:
                first, last = (self.table.column(self.recipe, c, f"measure {measure.id}") for c in measure.column_range)
                if last < first:
                    raise mismatch(
                        self.recipe,
                        "column_range_reversed",
                        f"column_range of {measure.id} runs from '{measure.column_range[0]}' to "
                        f"'{measure.column_range[1]}', which comes before it in {self.sheet}.",
                        "Give the first column, then the last.",
                        self.sheet,
                    )
                cols = tuple(range(first, last + 1))
            found.append(_ValueColumn(cols, measure=measure))
            for area_label, column in measure.area_columns:
                col = self.table.column(self.recipe, column, f"area column of {measure.id}")
                found.append(_ValueColumn((col,), area=self.areas.code(area_label), measure=measure, repeated=True))
        return found

    # -- rows -----------------------------------------------------------------
    def row_measure(self, row: list[object], label_col: int | None) -> MeasureSpec | None | Literal[False]:
        """The measure a row is chosen for; False when rows are not chosen by label."""
        if label_col is None:
            return False
        label = clean_label(_cell(row, label_col))
        for measure in self.recipe.measures:
            wanted = clean_label(measure.row)
            if label == wanted or strip_footnote_digits(label) == strip_footnote_digits(wanted):
                return measure
        return None

    def passes_filters(self, row: list[object], columns: dict[str, int]) -> bool:
        return all(
            clean_label(_cell(row, columns[f"filter:{label}"])) in accepted
            for label, accepted in self.recipe.filters.items()
        ) and all(
            _within(_cell(row, columns[f"filter:{label}"]), bounds) for label, bounds in self.recipe.ranges.items()
        )

    def group_heading(self, row: list[object], columns: dict[str, int]) -> str | None:
        """The block label when the row is a heading: text in the group column and nothing else."""
        col = columns.get("group")
        if col is None or not _filled(_cell(row, col)):
            return None
        if any(_filled(cell) for i, cell in enumerate(row) if i != col):
            return None
        label = strip_footnote_digits(clean_label(_cell(row, col)))
        self.groups_seen.append(str(_cell(row, col)).strip())
        return label

    def row_key(self, row, index, col, has_values, read) -> str | None:
        """An area or year from the row's own column; None (noted or reported) when it is not one."""
        raw = _cell(row, col)
        try:
            key = read(raw)
        except CellProblem as problem:
            if not has_values:
                if raw is not None:
                    self.note_rows.append(a1(index, col))
                return None
            self.cell_problem(problem, index, col, raw)
            return None
        return key

    def area_allowed(self, area: str, index: int, col: int | None, where: object) -> bool:
        """False (an error) for a local area when every measure of the source is Scotland-only."""
        if not self.scotland_only or not area or area == SCOTLAND_CODE or col is None:
            return True
        raw = _cell(where, col) if isinstance(where, list) else where
        self.problem(
            ERROR,
            "scotland_only",
            f"'{raw}' is a local area, but {self.recipe.source} figures are for Scotland only.",
            "Give only the Scotland row (Scotland or S92000003); the source has no local figures.",
            index,
            col,
            raw,
        )
        return False

    def check_unlabelled(self, row: list[object], index: int) -> None:
        """values_need_headers: a value in a column with no header would otherwise be lost."""
        for col, raw in enumerate(row):
            if raw is not None and not (col < len(self.table.labels) and self.table.labels[col]):
                self.problem(
                    ERROR,
                    "value_without_header",
                    f"the value '{raw}' is in a column with no header, so it is not known what it measures.",
                    "Give the column a header (in our own layouts a measure id, or a year such as 2024-25) "
                    "or remove the value.",
                    index,
                    col,
                    raw,
                )

    def read_year(self, raw: object) -> str:
        year = _year_label(raw, self.recipe.years.calendar)
        if year is None:
            raise CellProblem(
                "invalid_year",
                f"'{raw}' is not a year the recipe can read.",
                'Years are read as 2024-25, 2024/25, 2024-2025 or, with calendar = "mid_year", 2024.',
            )
        return year

    def reading(self, vc: _ValueColumn, measure: MeasureSpec, row: list[object], index: int) -> Reading | None:
        parts = []
        for col in vc.cols:
            raw = _cell(row, col)
            try:
                parts.append(read_cell(raw, self.formats.get((index, col)), self.recipe.markers, self.recipe.label))
            except CellProblem as problem:
                self.cell_problem(problem, index, col, raw)
                return None
            self.note_legacy_marker(raw, parts[-1], index, col)
        try:
            reading = parts[0] if len(parts) == 1 else summed(parts)
            return scaled(reading, measure.scale, self.units[measure.id], self.recipe.max_count)
        except CellProblem as problem:
            self.cell_problem(problem, index, vc.cols[0], _cell(row, vc.cols[0]))
            return None

    def note_legacy_marker(self, raw: object, reading: Reading, index: int, col: int) -> None:
        """legacy_markers: a spelling still read, with a warning asking for the GSS marker."""
        if isinstance(raw, str) and " ".join(raw.split()).casefold() in self.recipe.legacy_markers:
            self.problem(
                WARNING,
                "legacy_marker",
                f"'{raw.strip()}' is an old symbol; read as {reading.marker}.",
                "Use the GSS markers ([c], [x], [z]) in future files.",
                index,
                col,
                raw,
            )

    def add(self, area: str, year: str, measure: MeasureSpec, vc: _ValueColumn, row: list[object], index: int):
        reading = self.reading(vc, measure, row, index)
        first = vc.cols[0]
        ref = a1(index, first) + (f":{a1(index, vc.cols[-1])}" if len(vc.cols) > 1 else "")
        if reading is None:
            return
        key = (area, year, measure.id)
        if vc.repeated:
            if self.repeated_again(key, reading, ref, index, first):
                return
        elif self.recipe.table.sum_rows:
            self.sums.setdefault(key, []).append((reading, index, first))
            return
        self.record(key, reading, ref, index, first, _cell(row, first) if len(vc.cols) == 1 else None)

    def repeated_again(self, key, reading: Reading, ref: str, index: int, col: int) -> bool:
        """A fixed area's column repeats one value on every row: read the first, check the others agree."""
        if key not in self.repeats:
            self.repeats[key] = (reading, ref)
            return False
        first, first_ref = self.repeats[key]
        if first != reading:
            self.problem(
                ERROR,
                "area_column_disagrees",
                f"{key[2]} for {key[0]} in {key[1]} is {first.value} at {first_ref} but {reading.value} at {ref}; "
                "the column should repeat one value.",
                "Check the recipe's area_columns name the right column.",
                index,
                col,
            )
        return True

    def flush_sums(self) -> None:
        """One value per (area, year, measure) summed over its rows, with every cell it adds up."""
        for key, parts in self.sums.items():
            reading = summed([p[0] for p in parts])
            ref = _ranges([(index, col) for _, index, col in parts])
            self.record(key, reading, ref, parts[0][1], parts[0][2], f"sum of {len(parts)} cells")

    def record(self, key, reading: Reading, ref: str, index: int, col: int, raw: object) -> None:
        area, year, measure_id = key
        if reading.is_missing:
            self.empty.append(ref)
            return
        if key in self.seen:
            first = self.seen[key]
            first_sheet, first_cell = first.rsplit("!", 1)
            self.problem(
                ERROR,
                "duplicate_value",
                f"{measure_id} for {area} in {year} is read twice, at "
                f"{first_cell if first_sheet == self.sheet else first} and {ref} (this value is also at {first}).",
                "Keep one row per area and year; check for an area listed under two names (e.g. 'Fife' and its "
                "old code S12000015). In a recipe, add a filter (or skip the repeated rows) so it reads one value "
                "per area and year; to add rows up, set sum_rows = true in [table].",
                index,
                col,
                raw,
            )
            return
        self.seen[key] = f"{self.sheet}!{ref}"
        raw = f"sum of {ref}" if raw is None else raw
        self.out.values.append(
            PartnerValue(
                self.recipe.source,
                area,
                year,
                measure_id,
                reading.value,
                reading.marker,
                self.sheet,
                ref,
                None if raw is None else str(raw),
                self.recipe.name,
            )
        )

    def read_rows(self, columns: dict[str, int], value_cols: list[_ValueColumn], area: str | None, year: str | None):
        label_col = columns.get("row label")
        matched_filter, measures_found = False, set()
        value_indexes = [c for vc in value_cols for c in vc.cols]
        group = None
        for index in range(self.table.data_start, self.table.data_end):
            row = self.table.sheet.rows[index]
            if (heading := self.group_heading(row, columns)) is not None:
                group = heading
                continue
            if self.recipe.groups and group not in self.recipe.groups.keep:
                continue
            if not any(cell is not None for cell in row) or not self.passes_filters(row, columns):
                continue
            matched_filter = True
            chosen = self.row_measure(row, label_col)
            if chosen is None:
                continue  # a row the recipe does not read (a subtotal, a footnote)
            has_values = any(_cell(row, c) is not None for c in value_indexes)
            # "" when the key comes from the value column instead (areas or years across)
            row_area = area or (
                "" if "area" not in columns else self.row_key(row, index, columns["area"], has_values, self.areas.code)
            )
            if row_area in (None, AreaReader.SKIP) or not self.area_allowed(row_area, index, columns.get("area"), row):
                continue
            if self.recipe.table.values_need_headers:
                self.check_unlabelled(row, index)
            row_year = year or (
                "" if "year" not in columns else self.row_key(row, index, columns["year"], has_values, self.read_year)
            )
            if row_year is None:
                continue
            if chosen:
                measures_found.add(chosen.id)
            for vc in value_cols:
                measure = chosen or vc.measure
                if measure is None:  # never: a column without a measure is read on rows chosen by label
                    continue
                self.add(vc.area or row_area, vc.year or row_year, measure, vc, row, index)
        self.flush_sums()
        self.check_groups_found()
        self.check_rows_found(matched_filter, measures_found, label_col)

    def check_groups_found(self) -> None:
        spec = self.recipe.groups
        found = {strip_footnote_digits(clean_label(label)) for label in self.groups_seen}
        if spec and not set(spec.keep) <= found:
            raise mismatch(
                self.recipe,
                "group_not_found",
                f"block {', '.join(repr(k) for k in spec.keep if k not in found)} not found in column "
                f"'{spec.column}' of {self.sheet}; the block labels are: {'; '.join(self.groups_seen) or 'none'}.",
                "If the publisher renamed the block, update 'keep' in [groups].",
                self.sheet,
            )

    def check_rows_found(self, matched_filter: bool, measures_found: set[str], label_col: int | None) -> None:
        if (self.recipe.filters or self.recipe.ranges) and not matched_filter:
            wanted = "; ".join(
                [f"{c} = {' or '.join(v)}" for c, v in self.recipe.filters.items()]
                + [
                    f"{c} within {lo if lo is not None else '...'} to {hi if hi is not None else '...'}"
                    for c, (lo, hi) in self.recipe.ranges.items()
                ]
            )
            raise mismatch(
                self.recipe,
                "filter_matched_nothing",
                f"no row of {self.sheet} has {wanted}.",
                "Check the filter values against the table (they are compared ignoring case).",
                self.sheet,
            )
        if label_col is None:
            return
        missing = [m.row for m in self.recipe.measures if m.id not in measures_found]
        if missing:
            labels = [
                str(r[label_col]).strip()
                for r in self.table.sheet.rows[self.table.data_start : self.table.data_end]
                if _cell(r, label_col) is not None
            ]
            raise mismatch(
                self.recipe,
                "row_not_found",
                f"row {', '.join(repr(m) for m in missing)} not found in column "
                f"'{self.recipe.table.row_label_column}' of {self.sheet}; the rows are: {'; '.join(labels[:40])}.",
                "If the publisher renamed the row, update 'row' of the measure in the recipe.",
                self.sheet,
            )

    def report(self) -> None:
        self.out.empty_cells += len(self.empty)
        if self.empty:
            self.problem(
                WARNING,
                "empty_cells",
                f"{len(self.empty)} empty cell(s) read as missing; no value recorded: {_listed(self.empty)}.",
                "No action needed if the publication leaves these blank; in a file you write, use a marker "
                "instead: [x] not available, [c] confidential, [z] not applicable.",
            )
        if self.note_rows:
            self.problem(
                WARNING,
                "note_rows_ignored",
                f"{len(self.note_rows)} row(s) with no values were read as notes: {_listed(self.note_rows)}.",
                "No action needed if these are notes or links.",
            )

    def run(self) -> None:
        area, year = self.fixed_area(), self.fixed_year()
        columns = self.key_columns()
        measures = self.recipe.measures
        if self.recipe.measure_ids == "header":
            value_cols = self.header_measure_columns(set(columns.values()))
        elif any(m.by_column for m in measures):
            value_cols = self.measure_columns()
        else:
            if self.recipe.measure_ids == "sheet_name":
                measure = self.sheet_measure(columns)
                if measure is None:
                    return
            else:  # one measure without a place: every value column is that measure
                measure = measures[0] if len(measures) == 1 and not measures[0].row else None
            value_cols = self.across_columns(set(columns.values()), measure)
        self.read_rows(columns, value_cols, area, year)
        self.report()


def _matching(recipes: list[Recipe], source: str, file_name: str) -> list[Recipe]:
    name = Path(file_name).name.casefold()
    return [r for r in recipes if r.source == source and any(fnmatch.fnmatch(name, g.casefold()) for g in r.files)]


def recipes_for_file(recipes: list[Recipe], source: str, file_name: str) -> list[Recipe]:
    """The recipes of `source` whose `files` globs match the file's name (case-insensitive); the
    fallback recipes only when no other recipe matches."""
    matching = _matching(recipes, source, file_name)
    return [r for r in matching if not r.fallback] or matching


def _readings(
    chosen: list[Recipe], fallbacks: list[Recipe], workbook: PartnerWorkbook, file_name: str
) -> tuple[list[Recipe], list[PartnerReading], bool, list[Issue]]:
    """Each chosen recipe's reading; when every one stepped aside (none found its table), the
    fallback recipes' too, if they read the file without an error. Returns the recipes read,
    their readings, whether a fallback read the file, and a note when one nearly did."""
    readings = [_read_recipe(recipe, workbook, file_name) for recipe in chosen]
    if not fallbacks or fallbacks == chosen or not all(reading.missed for reading in readings):
        return chosen, readings, all(recipe.fallback for recipe in chosen), []
    more = [_read_recipe(recipe, workbook, file_name) for recipe in fallbacks]
    errors = [i for reading in more for i in reading.issues if i.severity == ERROR]
    if not errors and any(reading.values for reading in more):
        return chosen + fallbacks, readings + more, True, []
    found = [recipe.label for recipe, reading in zip(fallbacks, more, strict=True) if not reading.missed]
    if not (found and errors):
        return chosen, readings, False, []
    note = Issue(
        WARNING,
        "fallback_not_read",
        f"{' and '.join(found)} also tried this file, as no other recipe found its table, and found "
        f"{len(errors)} problem(s), the first: {errors[0].message.removeprefix(found[0] + ': ')}",
        "If the file is written to that layout, correct that problem; if it is a publication, update "
        "the recipe that should read it.",
        errors[0].sheet,
        errors[0].cell,
    )
    return chosen, readings, False, [note]


def no_recipe_issue(source: str, file_name: str, recipes: list[Recipe]) -> Issue:
    mine = [r for r in recipes if r.source == source and not r.fallback]
    listed = "; ".join(f"{r.name} (files {', '.join(r.files)})" for r in mine)
    return Issue(
        ERROR,
        "no_recipe",
        f"No recipe for {source} reads a file named '{Path(file_name).name}'. "
        + (f"The {source} recipes are: {listed}." if mine else f"There are no recipes for {source}."),
        f"Write a recipe in data/recipes/{source}/ (see docs/partners.md) or add this file's name to the "
        "'files' of the recipe that should read it; check it with cj-pipeline partners preview.",
        value=Path(file_name).name,
    )


def _attempt(
    layout: Recipe, sheet: Sheet, split: tuple[int, int], formats: dict, file_name: str, seen: dict
) -> tuple[PartnerReading, dict]:
    """One reading of a table under one header split; the values it saw, beside those of earlier sheets."""
    attempt, mine = PartnerReading(layout.source, Path(file_name).name), dict(seen)
    above, below = split
    try:
        table = locate(replace(layout, header=replace(layout.header, rows_above=above, rows_below=below)), sheet)
        _TableReader(layout, table, formats, file_name, attempt, mine).run()
    except Mismatch as problem:
        attempt.issues.append(problem.issue)
        attempt.missed = True
    return attempt, mine


def _read_sheet(
    recipe: Recipe, sheet: Sheet, workbook: PartnerWorkbook, file_name: str, seen: dict
) -> tuple[PartnerReading, dict]:
    """One sheet: under the first of the recipe's layouts whose header it holds, the first header
    split under which the table reads cleanly, else the first split's problems."""
    layout = next((lay for lay in recipe.layouts_for(recipe.source) if holds_header(lay, sheet)), recipe)
    formats = workbook.formats(sheet.name) if layout.table.number_formats else {}
    first, *others = layout.header.splits
    reading = _attempt(layout, sheet, first, formats, file_name, seen)
    for split in others:  # tried only when the table does not read cleanly under the first
        if not any(issue.severity == ERROR for issue in reading[0].issues):
            break
        attempt = _attempt(layout, sheet, split, formats, file_name, seen)
        if not any(issue.severity == ERROR for issue in attempt[0].issues):
            return attempt
    return reading


def _headers(recipe: Recipe) -> str:
    """The header labels looked for, layout by layout: "Area and Financial year; or Area"."""
    labels = (" and ".join(lay.header.labels) for lay in recipe.layouts_for(recipe.source))
    return "; or ".join(dict.fromkeys(labels))


def _read_every_sheet(recipe: Recipe, workbook: PartnerWorkbook, file_name: str) -> PartnerReading:
    """every_sheet: each sheet holding one of the recipe's headers is a table; others are noted."""
    out, seen, headers = PartnerReading(recipe.source, Path(file_name).name), {}, _headers(recipe)
    layouts = recipe.layouts_for(recipe.source)
    for sheet in sheets_to_read(recipe, workbook.opened.sheets):
        if not any(holds_header(layout, sheet) for layout in layouts):
            if any(cell is not None for row in sheet.rows for cell in row):
                out.issues.append(
                    Issue(
                        WARNING,
                        "sheet_ignored",
                        f"{recipe.label}: sheet '{sheet.name}' has no header row with {headers}; ignored.",
                        "If it holds data, add a header row with those labels above it.",
                        sheet.name,
                    )
                )
            continue
        reading, seen = _read_sheet(recipe, sheet, workbook, file_name, seen)
        out.values += reading.values
        out.issues += reading.issues
        out.empty_cells += reading.empty_cells
        out.tables_read.append(sheet.name)
    if not out.tables_read:
        out.missed = True
        out.issues.append(
            Issue(
                ERROR,
                "no_table",
                f"{recipe.label}: no sheet of {out.file_name} has a header row with {headers}.",
                f"Put a header row above the data, with {headers} (then the measures or years).",
            )
        )
    return out


def _read_recipe(recipe: Recipe, workbook: PartnerWorkbook, file_name: str) -> PartnerReading:
    """What one recipe reads. `missed` when it did not find (or match) its table."""
    try:
        if recipe.table.every_sheet:
            return _read_every_sheet(recipe, workbook, file_name)
        sheet = choose_sheet(recipe, workbook.opened.sheets)
        reading, _ = _read_sheet(recipe, sheet, workbook, file_name, {})
        if not reading.missed:
            reading.tables_read.append(sheet.name)
        return reading
    except Mismatch as problem:
        return PartnerReading(recipe.source, Path(file_name).name, issues=[problem.issue], missed=True)
    except CellProblem as problem:  # a fixed area the recipe names wrongly
        issue = Issue(ERROR, problem.code, f"{recipe.label}: {problem.message}", problem.guidance)
        return PartnerReading(recipe.source, Path(file_name).name, issues=[issue])


def _merge(out: PartnerReading, chosen: list[Recipe], readings: list[PartnerReading]) -> None:
    """Several recipes may match a file by name: one that did not find its table steps aside
    (a note) as long as another read the file; otherwise every recipe's problems stand."""
    read = [recipe.name for recipe, reading in zip(chosen, readings, strict=True) if not reading.missed]
    for recipe, reading in zip(chosen, readings, strict=True):
        if reading.missed and read:
            out.issues.append(
                Issue(
                    WARNING,
                    "recipe_stepped_aside",
                    f"{recipe.label} stepped aside: its table is not in this file ({reading.issues[-1].message}); "
                    f"the file was read by {', '.join(read)}.",
                    "No action needed if this file is not the recipe's publication; if it is, update the recipe.",
                    reading.issues[-1].sheet,
                )
            )
            continue
        out.values += reading.values
        out.issues += reading.issues
        out.tables_read += reading.tables_read
        out.empty_cells += reading.empty_cells
        out.recipes_used.append(recipe.name)


def extract(
    data: bytes, file_name: str, source: str, recipes: list[Recipe], settings: Settings | None = None
) -> PartnerReading:
    """Values and problems of one partner file under the recipes that apply to it."""
    chosen = recipes_for_file(recipes, source, file_name)
    if not chosen:
        return PartnerReading(source, Path(file_name).name, issues=[no_recipe_issue(source, file_name, recipes)])
    settings = settings or get_settings()
    raised = max([settings.max_rows] + [r.max_rows for r in chosen if r.max_rows])
    workbook = open_partner_file(data, file_name, replace(settings, max_rows=raised))
    return extract_opened(workbook, file_name, source, recipes)


def extract_opened(
    workbook: PartnerWorkbook | OpenedFile, file_name: str, source: str, recipes: list[Recipe]
) -> PartnerReading:
    """As `extract`, for a file already opened (an OpenedFile has no number formats)."""
    if isinstance(workbook, OpenedFile):
        workbook = PartnerWorkbook(workbook, "opened")
    out = PartnerReading(source, Path(file_name).name, issues=list(workbook.opened.issues))
    chosen = recipes_for_file(recipes, source, file_name)
    if not chosen:
        out.issues.append(no_recipe_issue(source, file_name, recipes))
        return out
    if not workbook.opened.ok:
        out.by_fallback = all(r.fallback for r in chosen)
        return out
    fallbacks = [r for r in _matching(recipes, source, file_name) if r.fallback]
    used, readings, out.by_fallback, notes = _readings(chosen, fallbacks, workbook, file_name)
    _merge(out, used, readings)
    out.issues += notes
    if not out.values and not any(i.severity == ERROR for i in out.issues):
        out.issues.append(
            Issue(
                ERROR,
                "no_values",
                f"The recipes found their tables in {out.file_name} but no values.",
                "Check the filters and rows the recipes choose.",
            )
        )
    if out.by_fallback and not out.accepted and chosen == fallbacks and any(not r.fallback for r in recipes):
        # Not in a fallback layout either: most likely a publication whose recipe does not name this file.
        out.issues.append(no_recipe_issue(source, file_name, recipes))
    return out
