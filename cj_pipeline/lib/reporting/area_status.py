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


# Every return received, newest first: read once per set of pages and shared out by area
# and year in Python (one query per area and year was most of the time of a run's end).
_RETURNS = """
select original_name, received_at, status, submission_id, error_count, warning_count, folder,
       area_code, financial_year
from raw.submissions
where kind = 'return'
order by arrival_seq desc
"""


@dataclass(frozen=True)
class _Submission:
    name: str
    received_at: str
    status: str
    submission_id: str
    errors: int
    warnings: int
    folder: str
    area_code: str | None
    financial_year: str | None

    def in_folder_of(self, area: str) -> bool:
        folder = _folder(area)
        return self.folder == folder or self.folder.startswith(folder + "/")


@dataclass(frozen=True)
class _Warehouse:
    """What the pages need from the warehouse, read in three queries."""

    returns: list[_Submission]
    receipt_names: dict[str, str]  # submission id -> the name (stem) of its receipt
    waits: dict[str, list[tuple[str, str, str]]]  # submission id -> (message, sheet, cell), in order

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection) -> _Warehouse:
        returns = [_Submission(*row) for row in connection.execute(_RETURNS).fetchall()]
        names = connection.execute(
            "select submission_id, receipt_json from raw.file_events where outcome <> 'duplicate' "
            "and submission_id in (select submission_id from raw.submissions where kind = 'return')"
        ).fetchall()
        waits: dict[str, list[tuple[str, str, str]]] = {}
        for submission_id, message, sheet, cell in connection.execute(
            "select submission_id, message, sheet, cell from raw.issues where code = ? order by rowid", [WAITS]
        ).fetchall():
            waits.setdefault(submission_id, []).append((message, sheet, cell))
        receipt_names = {submission_id: receipts.stem_of(json.loads(text)) for submission_id, text in names}
        return cls(returns, receipt_names, waits)


def _verdict(status: str, errors: int, warnings: int) -> str:
    if status == "accepted":
        return f"accepted ({warnings} warning(s))" if warnings else "accepted"
    return f"rejected ({errors} error(s))"


def _received(warehouse: _Warehouse, area: str, year: str, current: str | None) -> list[Received]:
    """The area's returns for the year, newest first (also those the data team put in
    raw/uploads itself, which have no receipt in the area's outbox)."""
    return [
        Received(
            s.name,
            str(s.received_at)[:19],
            _verdict(s.status, s.errors, s.warnings),
            s.submission_id == current,
            warehouse.receipt_names.get(s.submission_id) if s.folder != "raw/uploads" else None,
        )
        for s in warehouse.returns
        if s.area_code == area and s.financial_year == year and (s.folder == "raw/uploads" or s.in_folder_of(area))
    ]


def _unplaced(warehouse: _Warehouse, area: str) -> list[Received]:
    """Files of the area's folder with no reporting year read, or naming another area."""
    return [
        Received(
            s.name,
            str(s.received_at)[:19],
            "rejected: its Cover names another area (see its receipt)"
            if s.area_code is not None and s.area_code != area
            else _verdict(s.status, s.errors, s.warnings),
            receipt=warehouse.receipt_names.get(s.submission_id),
        )
        for s in warehouse.returns
        if s.in_folder_of(area) and (s.area_code is None or s.financial_year is None or s.area_code != area)
    ]


def _where_to_fill(item: str) -> tuple[str, str]:
    """The sheet and what to put there for a gate item, when validation left no cell for it."""
    if item.endswith(" progress"):
        return ASSESSMENT, "Fill in Progress: the outcome is assessed Not achieved."
    if item.endswith(" actions taken"):
        return ASSESSMENT, "Fill in Actions taken for this outcome."
    return EVIDENCE, "Choose a Status other than 'Not known' (In place, Partially in place or Not in place)."


def _missing(warehouse: _Warehouse, fact: chase.AreaYear) -> list[Missing]:
    """Each item the gate waits for, at the cell validation flagged it in the current return."""
    cells = {}
    for message, sheet, cell in warehouse.waits.get(fact.current_submission_id or "", []):
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
    years, facts, warehouse = [], {}, None
    if connection is not None:
        years = _years(connection)
        warehouse = _Warehouse.read(connection) if years else None
        facts = {year: {f.row.area_code: f for f in chase.area_years(connection, year)} for year in years}
    statuses = []
    for area in areas or sorted(names):
        status = AreaStatus(area, names[area], written_at, settings.returns_contact, waiting=_waiting(settings, area))
        if warehouse is not None:
            for year in years:
                fact = facts[year][area]
                status.years.append(
                    YearStatus(
                        year,
                        fact,
                        _received(warehouse, area, year, fact.current_submission_id),
                        _missing(warehouse, fact),
                        deadline_of(year, settings.returns_deadline),
                    )
                )
            status.unplaced.extend(_unplaced(warehouse, area))
        statuses.append(status)
    return statuses
