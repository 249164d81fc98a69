"""Find a recipe's table in a workbook: the sheet, the header rows and where the data ends.

When the table is not where the recipe says, the problem names the recipe, the
sheet, what was looked for and what was found, so whoever updates the recipe
sees the changed layout without opening the file.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.workbook import Sheet
from cj_pipeline.lib.partners.labels import clean_label, tidy_label
from cj_pipeline.lib.partners.recipe import Recipe

# Sheets publishers put before their tables; never searched by title.
FRONT_MATTER = frozenset(
    {
        "cover",
        "cover sheet",
        "cover page",
        "introduction",
        "contents",
        "table of contents",
        "table_of_contents",
        "index",
        "notes",
        "definitions",
        "metadata",
        "readme",
        "information",
        "glossary",
    }
)
_TITLE_ROWS = 10  # a sheet's title is among its first rows
_SHOWN_ROWS = 6  # rows quoted when a header is not found
_SHOWN_CHARS = 60


class Mismatch(Exception):
    """The recipe does not match the file; carries the issue to report."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue


def mismatch(
    recipe: Recipe, code: str, message: str, guidance: str, sheet: str | None = None, cell: str | None = None
) -> Mismatch:
    return Mismatch(Issue(ERROR, code, f"{recipe.label}: {message}", guidance, sheet, cell))


@dataclass
class Located:
    sheet: Sheet
    anchor: int  # the header row holding the recipe's labels (0-based)
    data_start: int
    data_end: int  # exclusive
    labels: list[str]  # combined header label per column, comparison form
    shown: list[str]  # the same, as written
    title: str  # the text rows above the header, joined

    def column(self, recipe: Recipe, label: str, what: str) -> int:
        """The column whose header is `label`; Mismatch naming what the header holds otherwise."""
        key = clean_label(label)
        if key in self.labels:
            return self.labels.index(key)
        found = ", ".join(f"'{s}'" for s in self.shown if s)
        raise mismatch(
            recipe,
            "column_not_found",
            f"{what} column '{label}' not found in the header (row {self.anchor + 1}) of "
            f"{self.sheet.name}; the header has: {found}.",
            "Update the recipe to the column's new label, or check this is the right table.",
            self.sheet.name,
        )


def _texts(row: list[object]) -> list[str]:
    return [tidy_label(cell) for cell in row if isinstance(cell, str) and cell.strip()]


def _matches_title(sheet: Sheet, pattern: str) -> bool:
    return any(
        fnmatch.fnmatch(text.casefold(), pattern.casefold()) for row in sheet.rows[:_TITLE_ROWS] for text in _texts(row)
    )


def choose_sheet(recipe: Recipe, sheets: list[Sheet]) -> Sheet:
    """The sheet a recipe reads: by name, or the one non-front-matter sheet whose title matches."""
    names = ", ".join(f"'{s.name}'" for s in sheets)
    if recipe.table.sheet:
        wanted = [name.strip().casefold() for name in recipe.table.sheet]
        found = [s for s in sheets if any(fnmatch.fnmatchcase(s.name.strip().casefold(), w) for w in wanted)]
        if len(found) == 1:
            return found[0]
        if found:
            raise mismatch(
                recipe,
                "sheet_ambiguous",
                f"{' or '.join(repr(n) for n in recipe.table.sheet)} matches several sheets: "
                f"{', '.join(s.name for s in found)}.",
                "Name the sheet exactly in 'sheet'.",
            )
        raise mismatch(
            recipe,
            "sheet_not_found",
            f"no sheet named {' or '.join(repr(n) for n in recipe.table.sheet)}; the sheets are {names}.",
            "If the publisher renamed the sheet, update 'sheet' in the recipe (or choose it by 'title').",
        )
    title = recipe.table.title
    assert title is not None, "a recipe names its sheet or its title (checked when it is loaded)"
    skipped = FRONT_MATTER | {s.strip().casefold() for s in recipe.table.skip_sheets}
    found = [s for s in sheets if s.visible and s.name.strip().casefold() not in skipped and _matches_title(s, title)]
    if len(found) == 1:
        return found[0]
    if found:
        raise mismatch(
            recipe,
            "title_ambiguous",
            f"the title '{recipe.table.title}' matches several sheets: {', '.join(s.name for s in found)}.",
            "Make 'title' more specific, or choose the sheet by 'sheet'.",
        )
    raise mismatch(
        recipe,
        "title_not_found",
        f"no sheet has a title matching '{recipe.table.title}' in its first {_TITLE_ROWS} rows; "
        f"the sheets are {names}.",
        "Update 'title' in the recipe to the table's new title (* matches any text).",
    )


def sheets_to_read(recipe: Recipe, sheets: list[Sheet]) -> list[Sheet]:
    """With every_sheet: each sheet whose name matches `sheet` (hidden ones too), front matter
    and skip_sheets left out."""
    skipped = FRONT_MATTER | {s.strip().casefold() for s in recipe.table.skip_sheets}
    wanted = [name.strip().casefold() for name in recipe.table.sheet]
    return [
        s
        for s in sheets
        if s.name.strip().casefold() not in skipped
        and any(fnmatch.fnmatchcase(s.name.strip().casefold(), w) for w in wanted)
    ]


def holds_header(recipe: Recipe, sheet: Sheet) -> bool:
    """Whether the recipe's header labels are together in one row within search_rows."""
    wanted = {clean_label(label) for label in recipe.header.labels}
    return any(_has_labels(row, wanted) for row in sheet.rows[: recipe.header.search_rows])


def _has_labels(row: list[object], wanted: set[str]) -> bool:
    return wanted <= {clean_label(cell) for cell in row if cell is not None}


def _first_rows(sheet: Sheet, upto: int) -> str:
    shown = []
    for index, row in enumerate(sheet.rows[:upto], 1):
        texts = [t[:_SHOWN_CHARS] for t in _texts(row) + [str(c) for c in row if isinstance(c, (int, float))]]
        if texts:
            shown.append(f"row {index}: " + " | ".join(texts[:6]))
        if len(shown) >= _SHOWN_ROWS:
            break
    return "; ".join(shown) or "(the sheet is empty)"


def _anchors(recipe: Recipe, sheet: Sheet) -> list[int]:
    wanted = {clean_label(label) for label in recipe.header.labels}
    search = recipe.header.search_rows
    anchors = [i for i, row in enumerate(sheet.rows) if _has_labels(row, wanted)]
    if anchors and anchors[0] < search:
        return anchors
    seen = {clean_label(c) for row in sheet.rows[:search] for c in row if c is not None}
    missing = [label for label in recipe.header.labels if clean_label(label) not in seen]
    what = (
        f"header {', '.join(repr(m) for m in missing)}"
        if missing
        else f"header labels {', '.join(repr(x) for x in recipe.header.labels)} together in one row"
    )
    raise mismatch(
        recipe,
        "header_not_found",
        f"{what} not found in rows 1-{min(search, len(sheet.rows))} of {sheet.name}; the first rows are: "
        f"{_first_rows(sheet, search)}.",
        "If the publisher changed the header, update [header] labels in the recipe.",
        sheet.name,
    )


def _combined_labels(sheet: Sheet, top: int, bottom: int) -> list[str]:
    """One label per column from header rows top..bottom (a header split over rows)."""
    width = max((len(sheet.rows[i]) for i in range(top, bottom + 1)), default=0)
    labels = []
    for col in range(width):
        parts = [tidy_label(sheet.rows[i][col]) for i in range(top, bottom + 1) if col < len(sheet.rows[i])]
        labels.append(" ".join(p for p in parts if p))
    return labels


def _data_end(recipe: Recipe, sheet: Sheet, start: int, next_anchor: int | None) -> int:
    ends = {clean_label(label) for label in recipe.table.end_labels}
    stop = len(sheet.rows) if next_anchor is None else next_anchor - recipe.header.rows_above
    for index in range(start, stop):
        if ends and any(clean_label(cell) in ends for cell in sheet.rows[index] if cell is not None):
            return index
    return stop


def locate(recipe: Recipe, sheet: Sheet) -> Located:
    """The recipe's table in `sheet` (the n-th stacked table when occurrence = n)."""
    anchors = _anchors(recipe, sheet)
    n = recipe.header.occurrence
    if n > len(anchors):
        raise mismatch(
            recipe,
            "header_not_found",
            f"the header appears {len(anchors)} time(s) in {sheet.name}, but the recipe reads "
            f"occurrence {n} (a stacked table).",
            "Check the recipe's [header] occurrence against the sheet.",
            sheet.name,
        )
    anchor = anchors[n - 1]
    top, bottom = max(0, anchor - recipe.header.rows_above), anchor + recipe.header.rows_below
    shown = _combined_labels(sheet, top, min(bottom, len(sheet.rows) - 1))
    start = bottom + 1
    end = _data_end(recipe, sheet, start, anchors[n] if n < len(anchors) else None)
    title = " | ".join(text for row in sheet.rows[:top] for text in _texts(row))
    return Located(sheet, anchor, start, end, [label.casefold() for label in shown], shown, title)
