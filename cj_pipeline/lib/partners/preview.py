"""What `cj-pipeline partners preview` prints: the values a file would give, and its problems.

Plain text that fits 80 columns (area, year, measure, value, marker, sheet!cell), or CSV
for machines. Nothing here stores anything.
"""

from __future__ import annotations

import csv
import io
import textwrap
from dataclasses import asdict

from cj_pipeline.lib.core.problems import ERROR
from cj_pipeline.lib.core.seeds import area_names
from cj_pipeline.lib.partners.read import BUILTIN_RECIPE, PartnerReading

WIDTH = 80
HEADINGS = ("area", "year", "measure", "value", "marker", "sheet!cell")
# The CSV's columns: a PartnerValue's fields, with the area's name after its code.
CSV_COLUMNS = (
    "source",
    "area_code",
    "area_name",
    "financial_year",
    "measure",
    "value",
    "marker",
    "sheet",
    "cell",
    "raw_value",
    "recipe",
)
# Columns shortened to fit: the area name first (down to 16), then the widest of these.
_MINIMUM = {"area": 9, "measure": 12, "sheet!cell": 10}
_AREA_FIRST = 16


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "~"


def value_lines(reading: PartnerReading, width: int = WIDTH) -> list[str]:
    """The values as a fixed-width table, one line per value, never wider than `width`."""
    names = area_names()
    rows = [
        (
            names.get(v.area_code, v.area_code),
            v.financial_year,
            v.measure,
            _number(v.value),
            v.marker or "",
            f"{v.sheet}!{v.cell}",
        )
        for v in reading.values
    ]
    if not rows:
        return ["No values would be extracted."]
    widths = {h: max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADINGS)}
    while sum(widths.values()) + len(HEADINGS) - 1 > width:
        if widths["area"] > _AREA_FIRST:
            widths["area"] -= 1
            continue
        shrinkable = [h for h in _MINIMUM if widths[h] > _MINIMUM[h]]
        if not shrinkable:
            break
        widths[max(shrinkable, key=lambda h: widths[h])] -= 1

    def line(cells) -> str:
        parts = []
        for heading, cell in zip(HEADINGS, cells, strict=True):
            cell = _fit(cell, widths[heading])
            parts.append(cell.rjust(widths[heading]) if heading == "value" else cell.ljust(widths[heading]))
        return " ".join(parts).rstrip()

    return [line(HEADINGS), line(["-" * widths[h] for h in HEADINGS]), *(line(r) for r in rows)]


def problem_lines(reading: PartnerReading, width: int = WIDTH) -> list[str]:
    """Every problem, errors first, wrapped to `width`: what, where, and what to do."""
    if not reading.issues:
        return ["No problems."]
    lines = [f"Problems ({len(reading.issues)}):"]
    for issue in sorted(reading.issues, key=lambda i: i.severity != ERROR):
        where = "!".join(filter(None, [issue.sheet, issue.cell]))
        head = f"{issue.severity.upper()} {issue.code}" + (f" at {where}" if where else "") + f": {issue.message}"
        lines += textwrap.wrap(head, width, subsequent_indent="  ", break_on_hyphens=False)
        lines += textwrap.wrap(f"What to do: {issue.guidance}", width, initial_indent="  ", subsequent_indent="  ")
    return lines


def summary_lines(reading: PartnerReading, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(summary_line(reading), width, subsequent_indent="  ")


def summary_line(reading: PartnerReading) -> str:
    how = {
        "recipes": "the recipes",
        BUILTIN_RECIPE: "the built-in layouts of the data contract",
    }.get(reading.read_by, f"the fallback recipe {reading.read_by}")
    if reading.accepted:
        tables = ", ".join(reading.tables_named)
        return f"Would be ACCEPTED: {len(reading.values)} values read by {how} ({tables}). Nothing was stored."
    errors = sum(1 for i in reading.issues if i.severity == ERROR)
    read = "" if reading.read_by == "none" else f", read by {how}"
    return f"Would be REJECTED ({errors} error(s)){read}: nothing would be loaded. Nothing was stored."


def csv_text(reading: PartnerReading) -> str:
    """The values as CSV, one row per value: every field a raw.partner_values row has, plus
    the area's name (CSV_COLUMNS)."""
    names = area_names()
    out = io.StringIO()
    writer: csv.DictWriter[str] = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for v in reading.values:
        row = {column: "" if value is None else value for column, value in asdict(v).items()}
        writer.writerow(
            {**row, "area_name": names.get(v.area_code, ""), "value": "" if v.value is None else repr(v.value)}
        )
    return out.getvalue()
