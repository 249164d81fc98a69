"""Table recipes: one small TOML file per published table, saying how to read it.

A recipe lives at data/recipes/<source>/<name>.toml; the folder is the partner
source and the file stem is the recipe's name. Every key is documented in
docs/partners.md. Loading is strict: an unknown key, a wrong type or a layout
that does not add up (two places for the year, no place for the area) is a
RecipeError naming the file and the key, so a typo never silently changes what
is read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from cj_pipeline.lib.core.cells import ALL_MARKERS, STANDALONE_MARKERS
from cj_pipeline.lib.partners.labels import CALENDAR_RULES, DEFAULT_MARKERS, ZERO, clean_label
from cj_pipeline.lib.partners.measures import measure_units
from cj_pipeline.settings import PROJECT_ROOT

RECIPES_DIR = PROJECT_ROOT / "data" / "recipes"
# Recipes in this folder of RECIPES_DIR read files of every source (the data contract's own
# layouts); in lineage and receipts they go by "builtin:<file stem>".
BUILTIN_FOLDER = "builtin"
# The name the contract's layouts go by in lineage and receipts (the built-in recipe's file stem).
BUILTIN_RECIPE = f"{BUILTIN_FOLDER}:data_contract"
MEASURE_IDS = ("header", "sheet_name")  # where a table names its own measures
# Keys an entry of or_layouts may give; each replaces the recipe's own.
LAYOUT_KEYS = ("sources", "header", "areas", "years", "filters", "groups", "measures", "measure_ids")


class RecipeError(ValueError):
    """A recipe file that cannot be used; the message names the file and the key."""

    code = "invalid_recipe"


class UnknownMeasure(RecipeError):
    """A recipe names a measure its source does not have in the partner_measures seed."""

    code = "unknown_measure"


@dataclass(frozen=True)
class HeaderSpec:
    labels: tuple[str, ...]  # labels that must all be in the header row (anchor row)
    search_rows: int = 30  # how far down the sheet to look for it
    rows_above: int = 0  # header rows above the anchor row that continue its labels
    rows_below: int = 0  # ... and below it
    occurrence: int = 1  # 2 = the second table stacked in the same sheet
    # Other (rows_above, rows_below) splits tried, in order, when the table does not read under
    # the first: one recipe for editions that split their header differently.
    other_splits: tuple[tuple[int, int], ...] = ()

    @property
    def splits(self) -> tuple[tuple[int, int], ...]:
        return ((self.rows_above, self.rows_below), *self.other_splits)


@dataclass(frozen=True)
class TableSpec:
    sheet: tuple[str, ...] = ()  # sheet names to look for (any of them)
    title: str | None = None  # or: a glob the sheet's title matches
    skip_sheets: tuple[str, ...] = ()  # more front-matter sheets never searched by title
    row_label_column: str | None = None  # the column whose labels choose measure rows
    end_labels: tuple[str, ...] = ()  # a row holding one of these ends the table
    ignore_columns: tuple[str, ...] = ()  # globs of header labels that are neither used nor years/areas
    number_formats: bool = True  # read markers shown only through a cell's number format
    sum_rows: bool = False  # rows with the same area, year and measure are added up
    every_sheet: bool = False  # read every sheet matching `sheet` that holds the header
    values_need_headers: bool = False  # a value in a column with no header label is an error


@dataclass(frozen=True)
class GroupSpec:
    column: str  # a label alone on its row in this column heads the rows below it
    keep: tuple[str, ...]  # the blocks read (footnote digits ignored)


@dataclass(frozen=True)
class AreaSpec:
    column: str | None = None  # areas down the rows, in this column
    across: bool = False  # areas across the columns (the header labels)
    fixed: str | None = None  # every value is for this one area
    scotland: tuple[str, ...] = ()  # more labels that mean Scotland ("All")
    skip: tuple[str, ...] = ()  # labels of rows or columns that are not areas
    footnote_digits: bool = False  # labels may carry glued footnote digits ("Unknown3")


@dataclass(frozen=True)
class YearSpec:
    column: str | None = None  # years down the rows, in this column
    across: bool = False  # years across the columns
    from_title: bool = False  # the only year named in the sheet title
    from_file_name: bool = False  # the only year named in the file name
    fixed: str | None = None  # the year stated in the recipe
    calendar: str | None = None  # rule for calendar-year labels: "mid_year" (N -> N to N+1)


@dataclass(frozen=True)
class MeasureSpec:
    id: str
    column: str | None = None  # the value is in this column
    columns: tuple[str, ...] = ()  # ... or the sum of these columns
    column_range: tuple[str, str] | None = None  # ... or the sum from one column to another, inclusive
    row: str | None = None  # ... or in the row with this label (in table.row_label_column)
    scale: float = 1.0  # multiply the published value (0.57 -> 57 with scale = 100)
    # (area label, column label): a column holding one fixed area's value on every row
    # (LGBF's Scotland columns beside each council row)
    area_columns: tuple[tuple[str, str], ...] = ()

    @property
    def by_column(self) -> bool:
        return bool(self.column or self.columns or self.column_range)


@dataclass(frozen=True)
class Recipe:
    name: str
    source: str
    path: Path
    files: tuple[str, ...]  # globs of the file names this recipe reads
    table: TableSpec
    header: HeaderSpec
    areas: AreaSpec
    years: YearSpec
    measures: tuple[MeasureSpec, ...]
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)  # numeric filters
    groups: GroupSpec | None = None
    units: dict[str, str] = field(default_factory=dict)  # measure id -> unit, from the seed
    markers: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MARKERS))
    max_rows: int | None = None  # raise the row limit for this (long) table
    max_count: int | None = None  # a count above this is implausible (an error)
    description: str = ""
    publication: str = ""
    fallback: bool = False  # read a file only when no other recipe of the source names it
    measure_ids: str | None = None  # "header" or "sheet_name": the table names its measures
    legacy_markers: tuple[str, ...] = ()  # marker spellings read (in `markers`), each with a warning
    layouts: tuple[Recipe, ...] = ()  # other layouts, tried in a sheet without this header
    sources: tuple[str, ...] = ()  # a layout applies only to these sources (all when empty)

    @property
    def label(self) -> str:
        if self.name.startswith(f"{BUILTIN_FOLDER}:"):
            return f"recipe '{self.name}'"
        return f"recipe '{self.source}/{self.name}'"

    def layouts_for(self, source: str) -> list[Recipe]:
        """This recipe, then the or_layouts that apply to `source`, in the order tried."""
        return [self, *(layout for layout in self.layouts if not layout.sources or source in layout.sources)]


def _checked(section: dict, allowed: dict[str, type | tuple[type, ...]], where: str, path: Path) -> dict:
    """Section keys, each of an allowed type; unknown keys are an error naming key and file."""
    if not isinstance(section, dict):
        raise RecipeError(f"{path}: {where} must be a table of keys.")
    for key, value in section.items():
        if key not in allowed:
            raise RecipeError(f"{path}: unknown key '{key}' in {where}; allowed keys there are: {', '.join(allowed)}.")
        if not isinstance(value, allowed[key]) or (isinstance(value, bool) and allowed[key] in (int, float)):
            kind = allowed[key]
            expected = kind if isinstance(kind, tuple) else (kind,)
            names = " or ".join(
                {
                    str: "text",
                    bool: "true/false",
                    int: "a whole number",
                    float: "a number",
                    list: "a list",
                    dict: "a table",
                }[t]
                for t in expected
            )
            raise RecipeError(f"{path}: '{key}' in {where} must be {names}, not {value!r}.")
    return section


def _texts(value: str | list | None, key: str, where: str, path: Path) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else list(value or [])
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise RecipeError(f"{path}: '{key}' in {where} must be text or a list of texts.")
    return tuple(values)


def _one_of(path: Path, where: str, options: dict[str, object]) -> None:
    chosen = [key for key, value in options.items() if value]
    if len(chosen) != 1:
        found = f"it gives {', '.join(chosen)}" if chosen else "it gives none"
        raise RecipeError(f"{path}: {where} needs exactly one of {', '.join(options)}; {found}.")


def _header(raw: dict, path: Path) -> HeaderSpec:
    section = _checked(
        raw,
        {
            "labels": (str, list),
            "search_rows": int,
            "rows_above": int,
            "rows_below": int,
            "occurrence": int,
            "or_splits": list,
        },
        "[header]",
        path,
    )
    labels = _texts(section.get("labels"), "labels", "[header]", path)
    if not labels:
        raise RecipeError(f"{path}: [header] needs 'labels', the header labels that identify the table.")
    spec = HeaderSpec(
        labels,
        section.get("search_rows", 30),
        section.get("rows_above", 0),
        section.get("rows_below", 0),
        section.get("occurrence", 1),
        _splits(section.get("or_splits", []), path),
    )
    if spec.search_rows < 1 or spec.occurrence < 1 or min(spec.rows_above, spec.rows_below) < 0:
        raise RecipeError(f"{path}: [header] search_rows and occurrence must be 1 or more, rows_above/below 0 or more.")
    return spec


def _splits(raw: list, path: Path) -> tuple[tuple[int, int], ...]:
    """or_splits = [{rows_above = 1}, ...]: more header splits to try."""
    splits = []
    for index, item in enumerate(raw, 1):
        section = _checked(item, {"rows_above": int, "rows_below": int}, f"[header] or_splits number {index}", path)
        split = (section.get("rows_above", 0), section.get("rows_below", 0))
        if min(split) < 0:
            raise RecipeError(f"{path}: rows_above/below in [header] or_splits must be 0 or more.")
        splits.append(split)
    return tuple(splits)


def _groups(raw: dict | None, path: Path) -> GroupSpec | None:
    if raw is None:
        return None
    section = _checked(raw, {"column": str, "keep": (str, list)}, "[groups]", path)
    if not section.get("column") or not section.get("keep"):
        raise RecipeError(f"{path}: [groups] needs 'column' (where the block labels are) and 'keep' (which blocks).")
    return GroupSpec(
        section["column"], tuple(clean_label(v) for v in _texts(section["keep"], "keep", "[groups]", path))
    )


def _filters(raw: dict, path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[float | None, float | None]]]:
    """Label filters (a value or a list) and numeric ones ({ at_least = 16, at_most = 64 })."""
    labels, ranges = {}, {}
    for column, values in _checked(raw, {k: (str, list, dict) for k in raw}, "[filters]", path).items():
        if isinstance(values, dict):
            bounds = _checked(values, {"at_least": (int, float), "at_most": (int, float)}, f"[filters] {column}", path)
            if not bounds:
                raise RecipeError(f"{path}: the filter on '{column}' needs at_least, at_most or both.")
            ranges[column] = (bounds.get("at_least"), bounds.get("at_most"))
        else:
            labels[column] = tuple(clean_label(v) for v in _texts(values, column, "[filters]", path))
    return labels, ranges


def _table(raw: dict, path: Path) -> TableSpec:
    section = _checked(
        raw,
        {
            "sheet": (str, list),
            "title": str,
            "skip_sheets": list,
            "row_label_column": str,
            "end_labels": list,
            "ignore_columns": list,
            "number_formats": bool,
            "sum_rows": bool,
            "every_sheet": bool,
            "values_need_headers": bool,
        },
        "[table]",
        path,
    )
    spec = TableSpec(
        sheet=_texts(section.get("sheet"), "sheet", "[table]", path),
        title=section.get("title"),
        skip_sheets=_texts(section.get("skip_sheets"), "skip_sheets", "[table]", path),
        row_label_column=section.get("row_label_column"),
        end_labels=_texts(section.get("end_labels"), "end_labels", "[table]", path),
        ignore_columns=_texts(section.get("ignore_columns"), "ignore_columns", "[table]", path),
        number_formats=section.get("number_formats", True),
        sum_rows=section.get("sum_rows", False),
        every_sheet=section.get("every_sheet", False),
        values_need_headers=section.get("values_need_headers", False),
    )
    _one_of(path, "[table]", {"sheet": spec.sheet, "title": spec.title})
    if spec.every_sheet and not spec.sheet:
        raise RecipeError(f"{path}: every_sheet in [table] reads the sheets named by 'sheet' (\"*\" for all).")
    return spec


def _areas(raw: dict, path: Path) -> AreaSpec:
    section = _checked(
        raw,
        {
            "column": str,
            "across": bool,
            "fixed": str,
            "scotland": (str, list),
            "skip": (str, list),
            "footnote_digits": bool,
        },
        "[areas]",
        path,
    )
    spec = AreaSpec(
        section.get("column"),
        section.get("across", False),
        section.get("fixed"),
        _texts(section.get("scotland"), "scotland", "[areas]", path),
        _texts(section.get("skip"), "skip", "[areas]", path),
        section.get("footnote_digits", False),
    )
    _one_of(path, "[areas]", {"column": spec.column, "across": spec.across, "fixed": spec.fixed})
    return spec


def _years(raw: dict, path: Path) -> YearSpec:
    section = _checked(
        raw,
        {"column": str, "across": bool, "from_title": bool, "from_file_name": bool, "fixed": str, "calendar": str},
        "[years]",
        path,
    )
    spec = YearSpec(**section)
    _one_of(
        path,
        "[years]",
        {
            "column": spec.column,
            "across": spec.across,
            "from_title": spec.from_title,
            "from_file_name": spec.from_file_name,
            "fixed": spec.fixed,
        },
    )
    if spec.calendar is not None and spec.calendar not in CALENDAR_RULES:
        raise RecipeError(
            f"{path}: calendar = '{spec.calendar}' in [years] is not a known rule: {', '.join(CALENDAR_RULES)}."
        )
    return spec


def _measure(raw: dict, index: int, known: dict[str, str], source: str, path: Path) -> MeasureSpec:
    where = f"[[measures]] number {index}"
    section = _checked(
        raw,
        {
            "id": str,
            "column": str,
            "columns": list,
            "column_range": list,
            "row": str,
            "scale": (int, float),
            "area_columns": dict,
        },
        where,
        path,
    )
    measure_id = section.get("id")
    if not measure_id:
        raise RecipeError(f"{path}: {where} needs an 'id', the measure id.")
    if measure_id not in known:
        raise UnknownMeasure(
            f"{path}: measure '{measure_id}' is not a {source} measure in data/seeds/partner_measures.csv"
            f" (known: {', '.join(known) or 'none'}). Add a row '{source},{measure_id},<description>,<unit>,...'"
            " to data/seeds/partner_measures.csv (docs/partners.md, 'Adding a new source'), or correct the id."
        )
    column_range = _texts(section.get("column_range"), "column_range", where, path)
    if column_range and len(column_range) != 2:
        raise RecipeError(f"{path}: column_range in {where} must be two labels, the first and last column.")
    spec = MeasureSpec(
        measure_id,
        section.get("column"),
        _texts(section.get("columns"), "columns", where, path),
        (column_range[0], column_range[1]) if column_range else None,
        section.get("row"),
        float(section.get("scale", 1.0)),
        tuple(
            (area, column)
            for area, column in _checked(
                section.get("area_columns", {}), {k: str for k in section.get("area_columns", {})}, where, path
            ).items()
        ),
    )
    places = {"column": spec.column, "columns": spec.columns, "column_range": spec.column_range, "row": spec.row}
    if sum(bool(v) for v in places.values()) > 1:
        _one_of(path, where, places)
    return spec


def _markers(top: dict, path: Path) -> dict[str, str]:
    """The recipe's marker map: the defaults (or, with default_markers = false, only the markers
    that stand for a number), then its legacy_markers, then its [markers]."""
    markers = dict(DEFAULT_MARKERS) if top.get("default_markers", True) else {m: m for m in STANDALONE_MARKERS}
    for where in ("legacy_markers", "markers"):
        raw = top.get(where, {})
        for spelling, meaning in _checked(raw, {key: str for key in raw}, f"[{where}]", path).items():
            if meaning not in ALL_MARKERS and meaning != ZERO:
                raise RecipeError(
                    f"{path}: [{where}] maps '{spelling}' to '{meaning}', which is not a GSS marker "
                    f'({", ".join(sorted(ALL_MARKERS))}) or "{ZERO}" (a true zero).'
                )
            markers[_spelling(spelling)] = meaning
    return markers


def _spelling(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_layout(recipe: Recipe) -> None:
    """The three keys of a value (area, year, measure): exactly one comes from the columns."""
    path, measures = recipe.path, recipe.measures
    by_column = [m for m in measures if m.by_column]
    by_row = [m for m in measures if m.row]
    across = [
        name
        for name, on in (
            ("areas.across", recipe.areas.across),
            ("years.across", recipe.years.across),
            ("measures by column", bool(by_column) or recipe.measure_ids == "header"),
        )
        if on
    ]
    if len(across) != 1:
        raise RecipeError(
            f"{path}: exactly one of areas.across, years.across or measures given by column must "
            f"say what the value columns are; this recipe has {', '.join(across) or 'none'}."
        )
    if by_column and len(by_column) != len(measures):
        raise RecipeError(f"{path}: when one measure is given by column, every measure must be.")
    if not by_column and len(measures) > 1 and len(by_row) != len(measures):
        raise RecipeError(f"{path}: with several measures and values across the columns, each measure needs a 'row'.")
    if by_row and not recipe.table.row_label_column:
        raise RecipeError(f"{path}: measures chosen by 'row' need row_label_column in [table].")
    ids = [m.id for m in measures]
    if len(set(ids)) != len(ids):
        raise RecipeError(f"{path}: a measure id appears twice in [[measures]].")


_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "description": str,
    "publication": str,
    "files": (str, list),
    "max_rows": int,
    "max_count": int,
    "fallback": bool,
    "table": dict,
    "header": dict,
    "filters": dict,
    "areas": dict,
    "years": dict,
    "markers": dict,
    "legacy_markers": dict,
    "default_markers": bool,
    "measures": list,
    "measure_ids": str,
    "groups": dict,
    "or_layouts": list,
}


def parse_recipe(document: dict, name: str, source: str, path: Path, units: dict[str, str] | None = None) -> Recipe:
    """A Recipe from a parsed TOML document (validated)."""
    top = _checked(document, _TOP_KEYS, "the top level", path)
    _check_measure_ids(top, path)
    for required in ("files", "table", "header", "areas", "years", "measures"):
        if required == "measures" and "measure_ids" in top:
            continue
        if required not in top:
            raise RecipeError(
                f"{path}: the recipe needs [{required}]"
                if required != "files"
                else f"{path}: the recipe needs 'files', globs of the file names it reads."
            )
    known = measure_units(source) if units is None else units
    filters, ranges = _filters(top.get("filters", {}), path)
    if "measure_ids" not in top and not top["measures"]:
        raise RecipeError(f"{path}: [[measures]] is empty; name at least one measure.")
    recipe = Recipe(
        name=name,
        source=source,
        path=path,
        files=_texts(top["files"], "files", "the top level", path),
        table=_table(top["table"], path),
        header=_header(top["header"], path),
        areas=_areas(top["areas"], path),
        years=_years(top["years"], path),
        measures=tuple(_measure(m, i, known, source, path) for i, m in enumerate(top.get("measures", []), 1)),
        filters=filters,
        ranges=ranges,
        groups=_groups(top.get("groups"), path),
        units=dict(known),
        markers=_markers(top, path),
        max_rows=top.get("max_rows"),
        max_count=top.get("max_count"),
        description=top.get("description", ""),
        publication=top.get("publication", ""),
        fallback=top.get("fallback", False),
        measure_ids=top.get("measure_ids"),
        legacy_markers=tuple(_spelling(spelling) for spelling in top.get("legacy_markers", {})),
    )
    _check_layout(recipe)
    layouts = tuple(
        _layout(document, item, i, name, source, path, known) for i, item in enumerate(top.get("or_layouts", []), 1)
    )
    return replace(recipe, layouts=layouts)


def _check_measure_ids(top: dict, path: Path) -> None:
    ids = top.get("measure_ids")
    if ids is None:
        return
    if ids not in MEASURE_IDS:
        raise RecipeError(f"{path}: measure_ids = '{ids}' is not one of: {', '.join(MEASURE_IDS)}.")
    if top.get("measures"):
        raise RecipeError(f"{path}: measure_ids = '{ids}' names the measures; leave out [[measures]].")


def _layout(document: dict, item: dict, index: int, name: str, source: str, path: Path, known) -> Recipe:
    """One entry of or_layouts: the recipe with the sections it gives replaced."""
    where = f"or_layouts number {index}"
    given = _checked(item, {key: (dict, list, str) for key in LAYOUT_KEYS}, where, path)
    merged = {key: value for key, value in document.items() if key != "or_layouts"}
    if "measures" in given or "measure_ids" in given:  # one way of naming the measures replaces the other
        merged.pop("measures", None)
        merged.pop("measure_ids", None)
    merged.update({key: value for key, value in given.items() if key != "sources"})
    layout = parse_recipe(merged, name, source, path, known)
    return replace(layout, sources=_texts(given.get("sources"), "sources", where, path))


def load_recipe(
    path: Path, source: str | None = None, units: dict[str, str] | None = None, name: str | None = None
) -> Recipe:
    """Read and validate one recipe file; its source is its folder's name and its name the file
    stem, unless given."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{path}: not valid TOML ({exc}).") from exc
    return parse_recipe(document, name or path.stem, source or path.parent.name, path, units)


def load_recipes(
    source: str, recipes_dir: Path = RECIPES_DIR, units: dict[str, str] | None = None, builtin: bool = False
) -> list[Recipe]:
    """Every recipe of one partner source, in file-name order (none when the folder is absent);
    with `builtin`, then the recipes of data/recipes/builtin/, which read files of every source."""
    folder = Path(recipes_dir) / source
    own = [load_recipe(path, source, units) for path in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
    shared = sorted((Path(recipes_dir) / BUILTIN_FOLDER).glob("*.toml")) if builtin else []
    return own + [load_recipe(path, source, units, f"{BUILTIN_FOLDER}:{path.stem}") for path in shared]
