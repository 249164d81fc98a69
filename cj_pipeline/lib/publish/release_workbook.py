"""The people's spreadsheet of a release, laid out by ONS's `gptables`.

Follows the Analysis Function's guidance for releasing statistics in spreadsheets
(gptables is the Government Statistical Service's own implementation of it): a Cover,
a Contents sheet and a Notes sheet; one table per sheet, each an Excel table with a
title, a line on what it holds, its source and note references written `[note N]`
(numbered in order of first use); column widths set to show every entry. Values are
laid out the way statisticians publish them: one table per indicator group (the
national outcome it serves), areas down the rows and financial years across, each
indicator's name and unit in its row label. A value that is missing is replaced by
its marker ([c], [x], [z]) in the cell; where nothing is missing, nothing is written
(no marker columns, no "none"). The tidy long tables are for machines: CSV and
Parquet in data/.

Text is data, written exactly as it came. gptables reads markdown links in table cells as
hyperlinks (`[text](url)`, a `javascript:` target fails) and refuses a cell of punctuation
only (`%`, `-`, `...`), rules meant for the text a producer types, not for what areas wrote.
So every text cell outside a table's index column, the Notes text and the Cover's override
line go in as `Verbatim`: gptables' own FormatList with no formatting, which it writes with a
plain string write and neither parses for links nor checks for punctuation. The workbook is
opened with strings_to_formulas/urls/numbers off, so no string becomes a formula, a link or a
number; a text that starts like a formula also gets Excel's quote prefix (no apostrophe shown).
"""

from __future__ import annotations

import pickle
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import gptables as gpt
import pandas as pd
import polars as pl
from gptables.core.gptable import FormatList

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE, outcomes
from cj_pipeline.lib.publish import control
from cj_pipeline.lib.publish.safety import needs_quote_prefix, safe_cell_text

PANDEMIC_YEARS = ("2020-21", "2021-22")
UNIT_NAMES = {"percent": "percent", "count": "count", "rate_per_10000": "rate per 10,000 population"}
SOURCE = "Source: Community Justice Scotland, from partner data and local area returns."


def readable_date(stamp: object) -> str:
    """'2025-06-01T09:00:00+00:00' -> '1 June 2025' (the text as given if it is not a date)."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return f"{moment.day} {moment:%B %Y}"


def unit_name(unit: str | None) -> str:
    return UNIT_NAMES.get(unit or "", unit or "")


def _cell(value: object, marker: object) -> object:
    """A number as a number (so it can be used); a missing number as its marker. A qualifying
    marker on a number ([p], [u], [r]) is announced by a note on the column instead, and each
    value's marker is in the CSV and Parquet files."""
    if value is None:
        return marker or "[x]"
    return value


# Excel cannot show a column wider than 255 characters; a 32,767-character text would ask for more.
WIDEST_LINE = 120


class Verbatim(FormatList):
    """One text cell written exactly as given (see the module's docstring). `string`, which
    gptables uses only to size the column, is capped; `str()`, which its punctuation-only
    check reads, is the word "text": area text is never a symbol standing for a value."""

    def __init__(self, text: str) -> None:
        super().__init__([{"quote_prefix": True} if needs_quote_prefix(text) else {}, text])
        self.string = "\n".join(line[:WIDEST_LINE] for line in text.split("\n"))

    def __str__(self) -> str:
        return "text"


def verbatim(value: object) -> object:
    """A text as a Verbatim cell (refused if longer than a cell holds); anything else as it is."""
    return Verbatim(safe_cell_text(value) or "") if isinstance(value, str) else value


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Column 0 is the index column gptables annotates ($$note$$): our own labels, passed as they are."""
    frame = pd.DataFrame(
        [[row.get(c) if i == 0 else verbatim(row.get(c)) for i, c in enumerate(columns)] for row in rows],
        columns=columns,
        dtype=object,
    )
    return frame.where(frame.notna(), None)


def _group_tables(values: pl.DataFrame, indicators: list[dict], areas: dict[str, str], years: list[str]):
    """One table per outcome: indicator x area down, years across."""
    outcome_names = {row["outcome_id"]: row["outcome_name"] for row in outcomes()}
    by_key = {(r["indicator_id"], r["area_code"], r["financial_year"]): r for r in values.iter_rows(named=True)}
    present = {(r["indicator_id"], r["area_code"]) for r in values.iter_rows(named=True)}
    order = [SCOTLAND_CODE] + sorted((c for c in areas if c != SCOTLAND_CODE), key=lambda c: areas[c])
    groups: dict[str, list[dict]] = {}
    for indicator in indicators:
        groups.setdefault(indicator["outcome_id"], []).append(indicator)
    tables, qualified = [], set()
    for outcome_id in sorted(groups, key=lambda o: (o != "HL", len(o), o)):
        rows = []
        for indicator in groups[outcome_id]:
            label = f"{indicator['description']} ({unit_name(indicator['unit'])})"
            if indicator["indicator_id"].startswith("ATT_"):
                label += " $$attrition$$"
            for code in order:
                if (indicator["indicator_id"], code) not in present:
                    continue
                row: dict[str, object] = {"Indicator (unit)": label, "Area": areas.get(code, code), "Area code": code}
                for year in years:
                    found = by_key.get((indicator["indicator_id"], code, year))
                    row[year] = _cell(found["value"], found["marker"]) if found else "[x]"
                    if found and found["value"] is not None and found["marker"]:
                        qualified.add(year)
                rows.append(row)
        if not rows:
            continue
        name = outcome_names.get(outcome_id, outcome_id)
        tables.append((outcome_id, name, _frame(rows, ["Indicator (unit)", "Area", "Area code", *years])))
    return tables, qualified


class _Sheets:
    """The workbook's tables in order, numbered as they are added (Table 1, Table 2, ...)."""

    def __init__(self) -> None:
        self.sheets: dict[str, gpt.GPTable] = {}

    def add(self, sheet: str, title: str, subtitles: list[str], frame: pd.DataFrame, **extra) -> None:
        number = len(self.sheets) + 1
        self.sheets[sheet] = gpt.GPTable(
            table=frame,
            table_name=f"table_{number}",
            title=f"Table {number}: {title}",
            subtitles=subtitles,
            source=SOURCE,
            index_columns={2: 0},
            **extra,
        )


def _table(rows: list[dict], empty_columns: list[str]) -> pd.DataFrame:
    """Rows as a table whose columns are the first row's keys (`empty_columns` when there are none)."""
    return _frame(rows, list(rows[0]) if rows else empty_columns)


def _add_outcome_sheets(book: _Sheets, values: pl.DataFrame, indicators: list[dict], areas, years, year) -> None:
    """One sheet per national outcome; a year column carries the pandemic and qualified-value notes."""
    groups, qualified = _group_tables(values, indicators, areas, years)
    column_notes = {
        y: " ".join(
            ref
            for ref, applies in (("$$pandemic$$", y in PANDEMIC_YEARS), ("$$qualified$$", y in qualified))
            if applies
        )
        for y in years
    }
    noted = {y: refs for y, refs in column_notes.items() if refs}
    for outcome_id, name, frame in groups:
        book.add(
            outcome_id,
            f"{name}: indicator values by area, {years[0]} to {year} $$disclosure$$",
            [
                "One row per indicator and area (Scotland first), financial years (April to March) across. "
                "The unit is in brackets after each indicator's name. $$markers$$",
            ],
            frame,
            table_notes=noted or None,
        )


def _benchmark_rows(benchmark: pl.DataFrame, year: str, indicators: list[dict], areas: dict[str, str]) -> list[dict]:
    names = {i["indicator_id"]: i["description"] for i in indicators}
    units = {i["indicator_id"]: i["unit"] for i in indicators}
    return [
        {
            "Indicator (unit)": f"{names.get(r['indicator_id'], r['indicator_id'])} ({unit_name(units.get(r['indicator_id']))})",
            "Area": areas.get(r["area_code"], r["area_code"]),
            "Area code": r["area_code"],
            "Comparator group": r["comparator_group"],
            "Area value": _cell(r["value"], r["marker"]),
            "Scotland value": _cell(r["scotland_value"], r["scotland_marker"]),
            "Comparator group value": _cell(r["group_value"], r["group_marker"]),
            "Difference from Scotland": _cell(r["difference_from_scotland"], r.get("difference_from_scotland_marker")),
            "Rank in Scotland (1 = best)": r["rank_in_scotland"]
            if r["rank_in_scotland"] is not None
            else ("[c]" if r.get("marker") == "[c]" else "[z]"),
        }
        for r in benchmark.filter(pl.col("financial_year") == year).iter_rows(named=True)
    ]


def _completeness_rows(completeness: pl.DataFrame, areas: dict[str, str]) -> list[dict]:
    return [
        {
            "Area": areas.get(r["area_code"], r["area_code"]),
            "Area code": r["area_code"],
            "Return status": r["return_status"],
            "Items expected (count)": r["items_expected"],
            "Items complete (count)": r["items_complete"],
            "Missing items": r["missing_items"] or None,
            "Ready to publish": "Yes" if r["ready_to_publish"] else "No",
        }
        for r in sorted(completeness.iter_rows(named=True), key=lambda r: areas.get(r["area_code"], ""))
    ]


def _assessment_rows(assessments: pl.DataFrame, areas: dict[str, str]) -> list[dict]:
    outcome_names = {row["outcome_id"]: row["outcome_name"] for row in outcomes()}
    return [
        {
            "Area": areas.get(r["area_code"], r["area_code"]),
            "Area code": r["area_code"],
            "Outcome": f"{r['outcome_id']}: {r['outcome_name'] or outcome_names.get(r['outcome_id'], '')}",
            "Assessment": r["assessment"] or "[x]",
            "Actions taken": r["actions_taken"] or "[x]",
            # Progress is asked for only where an outcome was Not achieved: otherwise nothing is missing.
            "Progress": r["progress"] or ("[x]" if r["assessment"] == "Not achieved" else None),
        }
        for r in sorted(
            assessments.iter_rows(named=True),
            key=lambda r: (areas.get(r["area_code"], ""), len(r["outcome_id"]), r["outcome_id"]),
        )
    ]


def _local_outcome_rows(local: pl.DataFrame, areas: dict[str, str]) -> list[dict]:
    return [
        {
            "Area": areas.get(r["area_code"], r["area_code"]),
            "Area code": r["area_code"],
            "Type": r["outcome_type"] or "[x]",
            "Local outcome": r["local_outcome"] or "[x]",
            "Metric": r["metric"] or "[x]",
            "Value": _cell(r["value"], r["marker"]),
            "Unit": r["unit"],
            "Commentary": r["commentary"],
        }
        for r in sorted(local.iter_rows(named=True), key=lambda r: areas.get(r["area_code"], ""))
    ]


def _definition_rows(indicators: list[dict]) -> list[dict]:
    outcome_names = {row["outcome_id"]: row["outcome_name"] for row in outcomes()}
    return [
        {
            "Indicator": i["description"],
            "Unit": unit_name(i["unit"]),
            "National outcome": f"{i['outcome_id']}: {outcome_names.get(i['outcome_id'], '')}",
            "Better when": (i.get("polarity") or "").replace("_is_", " is ").replace("_", " "),
            "Source": i.get("source"),
            "Identifier": i["indicator_id"],
        }
        for i in indicators
    ]


def _add_area_sheets(book: _Sheets, tables: dict[str, pl.DataFrame], raw: dict, areas, year: str) -> None:
    """The sheets of one year: benchmark, completeness, assessments, local outcomes, definitions."""
    indicators = list(raw["indicators"])
    book.add(
        "Benchmark",
        f"areas against Scotland and their comparator group, {year} $$disclosure$$",
        ["Values in the unit after each indicator's name. $$groups$$ $$markers$$"],
        _table(
            _benchmark_rows(tables["benchmark"], year, indicators, areas), ["Indicator (unit)", "Area", "Area code"]
        ),
    )
    book.add(
        "Completeness",
        f"local supporting evidence returned by each area, {year}",
        ["Missing items is empty when nothing is missing. $$completeness$$"],
        _table(_completeness_rows(tables["evidence_completeness"], areas), ["Area"]),
    )
    book.add(
        "Assessments",
        f"section 23 assessments of the national outcomes, {year}",
        [
            "Text as written by the areas. Progress is asked for only where an outcome was not achieved: "
            "empty otherwise, [x] where it was asked for and not given."
        ],
        _table(_assessment_rows(tables["outcome_assessments"], areas), ["Area"]),
    )
    book.add(
        "Local_outcomes",
        f"local outcomes and balancing measures, {year}",
        [
            "Text as written by the areas; values in the unit given; Commentary is empty where none was given. "
            "$$disclosure$$"
        ],
        _table(_local_outcome_rows(tables["local_outcomes"], areas), ["Area"]),
    )
    book.add(
        "Definitions",
        "indicator definitions",
        ["The national indicator framework (Appendix One of the 2024 guidance). Identifiers match the data files."],
        _table(_definition_rows(indicators), []),
    )


def _notes_table(notes: dict, policy: control.Policy) -> pd.DataFrame:
    """The Notes sheet: each note referenced as $$name$$ in the tables, then the quality warnings."""
    note_rows = [
        (
            "markers",
            "Markers: [c] confidential (suppressed), [x] not available, [z] not applicable, [p] provisional, "
            "[r] revised, [u] low reliability, [b] break in series. A cell holds its marker only where the value is "
            "missing or qualified.",
        ),
        (
            "disclosure",
            f"Counts from {policy.small_count_min} to {policy.small_count_max} are shown as [c], and so are "
            "figures that would reveal them through Scotland, comparator group or disposal totals; a ratio with a "
            "suppressed numerator or denominator is [c]. "
            + " ".join(f"A {u} whose denominator is below {v:g} is [c]." for u, v in policy.min_denominator.items())
            + " Counts are whole numbers; percentages and rates are rounded to 1 decimal place, so figures may not sum.",
        ),
        (
            "pandemic",
            "2020-21 and 2021-22 were affected by the COVID-19 pandemic: treat change in those years with care.",
        ),
        (
            "qualified",
            "Some values for this year carry a marker that qualifies them: [p] provisional, [r] revised, "
            "[u] low reliability (e.g. a total missing some areas). The marker of each value is in the CSV and "
            "Parquet files (column marker).",
        ),
        ("attrition", "Attrition ratios are approximations: cases cross financial years, so a ratio can exceed 100%."),
        (
            "groups",
            "Comparator groups are our approximation of the LGBF family groups. Scotland counts are totals; "
            "Scotland and group percentages are summed numerators over summed denominators.",
        ),
        (
            "completeness",
            "An item is missing when an evidence Status is blank or Not known, Actions taken is blank, "
            "or Progress is blank for an outcome not achieved.",
        ),
    ]
    for warning in notes.get("warnings") or []:
        note_rows.append(
            (f"warning_{len(note_rows)}", f"Quality warning ({warning.get('check')}): {warning.get('summary')}")
        )
    return pd.DataFrame([[ref, verbatim(text)] for ref, text in note_rows], columns=["Note reference", "Note text"])


def _cover(notes: dict, years: list[str], year: str) -> gpt.Cover:
    about = [
        f"Published: {readable_date(notes.get('published_at'))}",
        f"Years covered: {years[0]} to {year} (financial years, April to March)",
        "Figures are disclosure controlled: see the Notes sheet for the markers and the rules.",
        "The same figures in long (tidy) form, for machines, are in the CSV and Parquet files in the data folder.",
        f"Release reference: {notes.get('release_id')}",
    ]
    if notes.get("override_reason"):
        about.append(
            f"Published although quality checks failed ({', '.join(notes.get('overridden_checks') or [])}): "
            f"{notes.get('override_reason')}"
        )
    return gpt.Cover(
        title=f"Community justice national indicators, Scotland and the 32 local authority areas, {year}",
        intro=[
            "National indicators for community justice (Community Justice (Scotland) Act 2016, sections 23 and 27): "
            "values for each area and Scotland, how areas compare, evidence completeness and the areas' own "
            "assessments of the national outcomes."
        ],
        about=[verbatim(line) for line in about],
        contact=["Community Justice Scotland data team"],
    )


def write_release_workbook(
    path: Path, year: str, notes: dict, policy: control.Policy, tables: dict[str, pl.DataFrame], raw: dict
) -> None:
    areas = {a["area_code"]: a["area_name"] for a in raw["areas"]}
    years = list(raw["years"]) or [year]
    book = _Sheets()
    _add_outcome_sheets(book, tables["indicator_values"], list(raw["indicators"]), areas, years, year)
    _add_area_sheets(book, tables, raw, areas, year)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The following notes are not referenced")
        # Empty cells are deliberate (nothing missing: no Progress asked for, no commentary given);
        # each table's subtitle says so.
        warnings.filterwarnings("ignore", message="(?s).*Empty or null cell found")
        gpt.write_workbook(
            filename=str(path),
            sheets=book.sheets,
            cover=_cover(notes, years, year),
            contentsheet_label="Contents",
            notes_table=_notes_table(notes, policy),
            auto_width=True,
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )


def serve() -> None:
    """`python -m` this module (core/helper_process.py): one pickled job on stdin, the workbook written
    from the release's Parquet tables, its seconds on stdout. No job (stdin closed): nothing to do."""
    try:
        job = pickle.load(sys.stdin.buffer)
    except EOFError:
        return
    started = time.perf_counter()
    tables = {p.stem: pl.read_parquet(p) for p in sorted(Path(job["data_dir"]).glob("*.parquet"))}
    write_release_workbook(Path(job["path"]), job["year"], job["notes"], job["policy"], tables, job["raw"])
    print(round(time.perf_counter() - started, 2))


if __name__ == "__main__":
    serve()
