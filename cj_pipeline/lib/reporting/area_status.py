"""An area's status: per reporting year, what was received, what is missing (with the cell to
fill), whether the area's part holds the year's publication and what clears it.

Made from the chase's own facts (chase.area_years), so the status pages and `cj-pipeline chase`
never disagree; what the pages add is where each fact points the officer: the cell of each
missing item (the `publication_waits` warning validation put at that cell), the receipts of
the files received, the contact and the deadline (settings). Rendered by status_pages.py.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import duckdb

from cj_pipeline.lib.core.seeds import read_seed
from cj_pipeline.lib.intake import outbox, receipts
from cj_pipeline.lib.reporting import chase
from cj_pipeline.lib.returns.layout import ASSESSMENT, EVIDENCE
from cj_pipeline.lib.returns.rules._publication import CODE as WAITS
from cj_pipeline.lib.returns.rules._publication import item_of
from cj_pipeline.settings import Settings


@dataclass(frozen=True)
class Received:
    """One file received for the area: its name, when, the verdict, and its receipt's name
    (in the outbox) when it has one there."""

    file: str
    received_at: str
    verdict: str
    current: bool = False
    receipt: str | None = None


@dataclass(frozen=True)
class Missing:
    """An item the year's publication waits for, and where to fill it in."""

    item: str
    sheet: str
    cell: str | None
    what_to_do: str


@dataclass(frozen=True)
class YearStatus:
    financial_year: str
    fact: chase.AreaYear
    received: list[Received]
    missing: list[Missing]
    deadline: dt.date

    @property
    def status(self) -> str:
        return self.fact.row.status

    @property
    def holds_publication(self) -> bool:
        return self.status != chase.COMPLETE


@dataclass(frozen=True)
class AreaStatus:
    area_code: str
    area_name: str
    written_at: str
    contact: str
    years: list[YearStatus] = field(default_factory=list)
    waiting: list[Received] = field(default_factory=list)  # checked on arrival, not loaded yet
    unplaced: list[Received] = field(default_factory=list)  # no year read, or another area's


def _local_authority_names() -> dict[str, str]:
    return {row["area_code"]: row["area_name"] for row in read_seed("areas") if row["area_type"] == "local_authority"}


def deadline_of(financial_year: str, month_day: str) -> dt.date:
    """The return's due date: `month_day` (MM-DD) after the financial year ends (2024-25: 2025)."""
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(int(financial_year[:4]) + 1, month, day)


def _folder(area: str) -> str:
    return f"{outbox.UPLOADS_PREFIX}{area}"


_RECEIVED = """
select original_name, received_at, status, submission_id, error_count, warning_count, folder
from raw.submissions
where kind = 'return' and area_code = $area and financial_year = $year
  and (folder = 'raw/uploads' or folder = $folder or starts_with(folder, $folder || '/'))
order by arrival_seq desc
"""
_UNPLACED = """
select original_name, received_at, status, submission_id, error_count, warning_count, folder,
       area_code is not null and area_code <> $area as other_area
from raw.submissions
where kind = 'return' and (folder = $folder or starts_with(folder, $folder || '/'))
  and (area_code is null or financial_year is null or area_code <> $area)
order by arrival_seq desc
"""


def _receipt_names(connection: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> dict[str, str]:
    """Submission id -> the name (stem) of its receipt, from the receipt the run recorded."""
    if not submission_ids:
        return {}
    rows = connection.execute(
        "select submission_id, receipt_json from raw.file_events "
        "where outcome <> 'duplicate' and submission_id in (select unnest(?::varchar[]))",
        [submission_ids],
    ).fetchall()
    return {submission_id: receipts.stem_of(json.loads(text)) for submission_id, text in rows}


def _verdict(status: str, errors: int, warnings: int) -> str:
    if status == "accepted":
        return f"accepted ({warnings} warning(s))" if warnings else "accepted"
    return f"rejected ({errors} error(s))"


def _received(connection, area: str, year: str, current: str | None) -> list[Received]:
    rows = connection.execute(_RECEIVED, {"area": area, "year": year, "folder": _folder(area)}).fetchall()
    names = _receipt_names(connection, [row[3] for row in rows])
    return [
        Received(
            name,
            str(at)[:19],
            _verdict(status, errors, warnings),
            submission_id == current,
            names.get(submission_id) if folder != "raw/uploads" else None,
        )
        for name, at, status, submission_id, errors, warnings, folder in rows
    ]


def _unplaced(connection, area: str) -> list[Received]:
    rows = connection.execute(_UNPLACED, {"area": area, "folder": _folder(area)}).fetchall()
    names = _receipt_names(connection, [row[3] for row in rows])
    return [
        Received(
            name,
            str(at)[:19],
            "rejected: its Cover names another area (see its receipt)" if other else _verdict(status, errors, warnings),
            receipt=names.get(submission_id),
        )
        for name, at, status, submission_id, errors, warnings, _folder_name, other in rows
    ]


def _where_to_fill(item: str) -> tuple[str, str]:
    """The sheet and what to put there for a gate item, when validation left no cell for it."""
    if item.endswith(" progress"):
        return ASSESSMENT, "Fill in Progress: the outcome is assessed Not achieved."
    if item.endswith(" actions taken"):
        return ASSESSMENT, "Fill in Actions taken for this outcome."
    return EVIDENCE, "Choose a Status other than 'Not known' (In place, Partially in place or Not in place)."


def _missing(connection, fact: chase.AreaYear) -> list[Missing]:
    """Each item the gate waits for, at the cell validation flagged it in the current return."""
    cells = {}
    if fact.current_submission_id:
        for message, sheet, cell in connection.execute(
            "select message, sheet, cell from raw.issues where submission_id = ? and code = ?",
            [fact.current_submission_id, WAITS],
        ).fetchall():
            cells.setdefault(item_of(message), (sheet, cell))
    found = []
    for item in fact.missing_items:
        sheet, what = _where_to_fill(item)
        sheet, cell = cells.get(item, (sheet, None))
        found.append(Missing(item, sheet, cell, what))
    return found


def _waiting(settings: Settings, area: str) -> list[Received]:
    """Files of the area's folder checked on arrival that no run has loaded yet (from the
    receipts/ notes: the outbox itself is never read)."""
    waiting = []
    for note in receipts.all_notes(settings.receipts_dir):
        if not note.get("path", "").startswith(_folder(area) + "/"):
            continue
        try:
            receipt = json.loads((settings.receipts_dir / f"{note['stem']}.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            continue  # being checked right now: the next page shows it
        copy = outbox.for_outbox(receipt)
        if copy is None:
            continue
        _area, shown = copy
        verdict = "rejected: its Cover names another area" if shown.get("withheld") else shown["status"]
        waiting.append(
            Received(shown["file"], shown["received_at"][:19], f"checked on arrival: {verdict}", False, note["stem"])
        )
    return waiting


def _years(connection) -> list[str]:
    try:
        rows = connection.execute(
            "select distinct financial_year from marts.fct_evidence_completeness order by financial_year desc"
        ).fetchall()
    except duckdb.CatalogException:  # not built yet: no year to report on
        return []
    return [year for (year,) in rows]


def area_statuses(
    settings: Settings, connection: duckdb.DuckDBPyConnection | None, areas: list[str] | None = None
) -> list[AreaStatus]:
    """The status of each local authority (or of `areas`), from the warehouse when there is one."""
    names = _local_authority_names()
    written_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    years, facts = [], {}
    if connection is not None:
        years = _years(connection)
        facts = {year: {f.row.area_code: f for f in chase.area_years(connection, year)} for year in years}
    statuses = []
    for area in areas or sorted(names):
        status = AreaStatus(area, names[area], written_at, settings.returns_contact, waiting=_waiting(settings, area))
        if connection is not None and years:
            for year in years:
                fact = facts[year][area]
                status.years.append(
                    YearStatus(
                        year,
                        fact,
                        _received(connection, area, year, fact.current_submission_id),
                        _missing(connection, fact),
                        deadline_of(year, settings.returns_deadline),
                    )
                )
            status.unplaced.extend(_unplaced(connection, area))
        statuses.append(status)
    return statuses
