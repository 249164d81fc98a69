"""Intake of a run's arrivals: archive, parse, and commit to the warehouse a batch at a time.

Order of work, chosen so a crash at any point loses nothing:
1. read a file's bytes and hash them; 2. store them in the archive and append the
ledger (idempotent by sha256), before anything parses them; 3. parse; 4. in ONE
warehouse transaction per batch of files (up to BATCH_FILES) write each file's
submission, rows, issues and file event; 5. write the batch's receipts (rewritten
from the warehouse on the next run if a crash came between 4 and 5). A crash before
4 leaves the batch's files without a file event, so the next run processes them
again (their archive objects are already there; the ledger records the arrival again).
A file event (path, size, mtime, sha256) is processed at most once; the same
bytes under another name are a duplicate of the first submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import duckdb

from cj_pipeline.lib.core.kinds import RETURN
from cj_pipeline.lib.core.problems import ERROR, WARNING, Issue
from cj_pipeline.lib.intake import archive, changes, receipts
from cj_pipeline.lib.intake.discovery import ReceivedFile
from cj_pipeline.lib.intake.parsers import ParseOutcome, Parser
from cj_pipeline.lib.intake.safe_read import read_safely
from cj_pipeline.lib.warehouse.schema import insert_rows
from cj_pipeline.settings import Settings


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _event_id(relative_path: str, size: int, mtime_ns: int, sha256: str) -> str:
    return hashlib.sha256(f"{relative_path}|{size}|{mtime_ns}|{sha256}".encode()).hexdigest()[:32]


def _submission_id(sha256: str, received: ReceivedFile) -> str:
    """A return's id is its content's; a partner file's is its content's within its source, so
    the same workbook dropped for two sources is two submissions."""
    if received.source is None:
        return sha256[:32]
    return hashlib.sha256(f"{sha256}|{received.source}".encode()).hexdigest()[:32]


def _receipt(
    received: ReceivedFile,
    sha256: str,
    received_at: str,
    outcome: ParseOutcome,
    submission_id: str,
    duplicate_of: str | None,
) -> dict:
    return {
        "file": received.path.name,
        "sha256": sha256,
        "status": outcome.status,
        "area_code": outcome.area_code,
        "financial_year": outcome.financial_year,
        "issues": [issue.to_dict() for issue in outcome.issues],
        "received_at": received_at,
        "folder": received.folder,
        "kind": received.kind,
        "source": received.source,
        "submission_id": submission_id,
        "duplicate_of": duplicate_of,
        "summary": outcome.summary,
    }


# Files per warehouse transaction. Each DuckDB statement and commit costs milliseconds, more
# than parsing a return, so files are committed in batches: one INSERT per raw table and one
# commit per batch. A crash before the commit loses only work (the batch's files have no
# file event yet, so the next run processes them again); it never loses or duplicates data.
BATCH_FILES = 50


@dataclass(frozen=True)
class KnownSubmission:
    """The first submission of some bytes: what a later arrival of them is a duplicate of."""

    submission_id: str
    status: str
    area_code: str | None
    financial_year: str | None


@dataclass(frozen=True)
class Arrival:
    """One file as it arrived: where, its size, time and content, and its event id."""

    received: ReceivedFile
    size_bytes: int
    mtime_ns: int
    sha256: str
    event_id: str
    received_at: str


@dataclass
class Decision:
    """What became of one arrival: a new submission (accepted or rejected) or a duplicate."""

    label: str  # "accepted", "rejected" or "duplicate"
    submission_id: str
    outcome: ParseOutcome
    receipt: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)  # raw table -> rows to load
    sequence: int | None = None  # arrival_seq of a new submission


@dataclass
class _Processed:
    """One processed file waiting for its batch's commit."""

    receipt: dict
    rows: dict[str, list[dict]]  # raw table -> rows


@dataclass
class _Batch:
    """Files processed but not yet committed, and what later files of the batch must see of them."""

    files: list[_Processed] = field(default_factory=list)
    accepted_returns: set[tuple[str | None, str | None]] = field(default_factory=set)  # (area, year)
    accepted_partner_sources: set[str | None] = field(default_factory=set)
    next_seq: int | None = None  # arrival_seq for the next new submission


class Intake:
    """Processes files one by one and commits them to the warehouse a batch at a time.

    What a file asks about the files before it (is this event already processed? are these
    bytes already a submission? which return is current for the area and year? the next
    arrival_seq?) is read from the warehouse once per run or batch and kept up to date in
    memory as files are processed: this connection holds DuckDB's write lock for the whole
    run, so nothing else changes the warehouse meanwhile. The change report of an accepted
    file reads the rows of the version it replaces from the warehouse, so the batch is
    committed first whenever that version could be in it (a corrected return, or revised
    partner values, in the same batch).
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        settings: Settings,
        parsers: dict[str, Parser],
        files: list[ReceivedFile],
        batch_files: int = BATCH_FILES,
    ) -> None:
        self.connection, self.settings, self.parsers = connection, settings, parsers
        self.batch_files = max(1, batch_files)
        self.batch = _Batch()
        paths = sorted({received.relative_path for received in files})
        # Events already processed, of the files listed (one query, not one per file).
        self.seen_events: set[str] = (
            {
                event_id
                for (event_id,) in connection.execute(
                    "SELECT event_id FROM raw.file_events WHERE relative_path IN (SELECT unnest(?::VARCHAR[]))", [paths]
                ).fetchall()
            }
            if paths
            else set()
        )
        # (sha256, kind, source) -> the first submission of those bytes: the duplicate check.
        # The source counts: one published workbook can hold tables of two sources (the recorded
        # crime bulletin holds recorded_crime's Table_1 and population's Population sheet).
        self.submissions: dict[tuple[str, str, str | None], KnownSubmission] = {}
        for sha256, kind, source, *row in connection.execute(
            "SELECT sha256, kind, source, submission_id, status, area_code, financial_year FROM raw.submissions "
            "ORDER BY arrival_seq"
        ).fetchall():
            self.submissions.setdefault((sha256, kind, source), KnownSubmission(*row))
        self.current_returns = changes.current_returns(connection)  # (area, year) -> accepted return

    def process(self, received: ReceivedFile) -> dict | None:
        """Archive and parse one file into the batch; returns its receipt, or None when this
        event was already processed. The receipt is written once the batch is committed."""
        connection, settings = self.connection, self.settings
        try:
            stat = received.path.lstat()
        except FileNotFoundError:  # removed since it was listed: nothing was received
            return None
        data, read_issues = read_safely(settings, received)
        sha256 = archive.sha256_bytes(data)
        event_id = _event_id(received.relative_path, stat.st_size, stat.st_mtime_ns, sha256)
        if event_id in self.seen_events:
            return None
        received_at = _now()
        if not read_issues:
            archive.store_object(settings.archive_dir, data, sha256)
        archive.append_ledger(
            settings.archive_dir,
            {
                "event_id": event_id,
                "sha256": sha256,
                "original_name": received.path.name,
                "folder": received.folder,
                "size_bytes": stat.st_size,
                "received_at": received_at,
                "kind": received.kind,
                "source": received.source,
            },
        )
        arrival = Arrival(received, stat.st_size, stat.st_mtime_ns, sha256, event_id, received_at)
        existing = self.submissions.get((sha256, received.kind, received.source))
        if existing and not read_issues:
            outcome = ParseOutcome(
                status=existing.status,
                area_code=existing.area_code,
                financial_year=existing.financial_year,
                issues=[
                    Issue(
                        WARNING,
                        "duplicate_file",
                        f"These exact bytes were already received as submission {existing.submission_id}; "
                        "nothing changed.",
                        "No action needed. To correct a return, change it and send it again.",
                    )
                ],
            )
            receipt = _receipt(received, sha256, received_at, outcome, existing.submission_id, existing.submission_id)
            submission_id, outcome_label, tables = existing.submission_id, "duplicate", {}
        else:
            outcome = (
                ParseOutcome(status="rejected", issues=read_issues)
                if read_issues
                else self.parsers[received.kind](data, received, settings)
            )
            submission_id = event_id if read_issues else _submission_id(sha256, received)
            receipt = _receipt(received, sha256, received_at, outcome, submission_id, None)
            outcome_label, tables = outcome.status, outcome.tables if outcome.status == "accepted" else {}
            if outcome_label == "accepted":  # a corrected return or revised partner values: say what changed
                if self._replaces_in_batch(received, outcome):
                    self.flush()  # the version it replaces must be in the warehouse to be read
                report, change_rows = changes.change_report(
                    connection,
                    received.kind,
                    received.source,
                    outcome.area_code,
                    outcome.financial_year,
                    tables,
                    self.current_returns,
                )
                receipt.update(report)
                tables = {**tables, "change_reports": change_rows} if report else tables
        batch = self.batch  # a new one if flushed above
        sequence = None
        if outcome_label != "duplicate":
            if batch.next_seq is None:
                batch.next_seq = connection.execute(
                    "SELECT coalesce(max(arrival_seq), 0) + 1 FROM raw.submissions"
                ).fetchall()[0][0]
            sequence, batch.next_seq = batch.next_seq, batch.next_seq + 1
            self.submissions.setdefault(
                (sha256, received.kind, received.source),
                KnownSubmission(submission_id, outcome.status, outcome.area_code, outcome.financial_year),
            )
            if outcome_label == "accepted":
                if received.kind == RETURN:
                    batch.accepted_returns.add((outcome.area_code, outcome.financial_year))
                    if outcome.area_code and outcome.financial_year:
                        self.current_returns[(outcome.area_code, outcome.financial_year)] = submission_id
                else:
                    batch.accepted_partner_sources.add(received.source)
        self.seen_events.add(event_id)
        decision = Decision(outcome_label, submission_id, outcome, receipt, tables, sequence)
        batch.files.append(_Processed(receipt, _file_rows(arrival, decision)))
        if len(batch.files) >= self.batch_files:
            self.flush()
        return receipt

    def _replaces_in_batch(self, received: ReceivedFile, outcome: ParseOutcome) -> bool:
        if received.kind == RETURN:
            return (outcome.area_code, outcome.financial_year) in self.batch.accepted_returns
        return received.source in self.batch.accepted_partner_sources

    def flush(self) -> None:
        """Commit the batch in one transaction, then write its receipts.

        Should the batch fail to commit, its files are committed one by one in arrival order
        up to the one that fails (whose error is raised), as when every file was its own
        transaction: one bad file never rolls back the work of the files before it.
        """
        files, self.batch = self.batch.files, _Batch()
        if not files:
            return
        try:
            _insert(self.connection, files)
        except Exception:
            for done, processed in enumerate(files):
                try:
                    _insert(self.connection, [processed])
                except Exception:
                    _write_receipts(self.settings, files[:done])
                    raise
        _write_receipts(self.settings, files)


def _file_rows(arrival: Arrival, decision: Decision) -> dict[str, list[dict]]:
    """Everything the warehouse learns about one file (committed with its batch)."""
    received, sha256, received_at = arrival.received, arrival.sha256, arrival.received_at
    submission_id, outcome = decision.submission_id, decision.outcome
    rows: dict[str, list[dict]] = {}
    if decision.label != "duplicate":
        rows["submissions"] = [
            {
                "submission_id": submission_id,
                "sha256": sha256,
                "kind": received.kind,
                "source": received.source,
                "original_name": received.path.name,
                "folder": received.folder,
                "received_at": received_at,
                "arrival_seq": decision.sequence,
                "status": outcome.status,
                "area_code": outcome.area_code,
                "financial_year": outcome.financial_year,
                "error_count": sum(i.severity == ERROR for i in outcome.issues),
                "warning_count": sum(i.severity == WARNING for i in outcome.issues),
            }
        ]
        rows["issues"] = [{"submission_id": submission_id, **i.to_dict()} for i in outcome.issues]
        for table, table_rows in decision.tables.items():
            rows.setdefault(table, []).extend({"submission_id": submission_id, **row} for row in table_rows)
    rows["file_events"] = [
        {
            "event_id": arrival.event_id,
            "sha256": sha256,
            "relative_path": received.relative_path,
            "original_name": received.path.name,
            "folder": received.folder,
            "size_bytes": arrival.size_bytes,
            "mtime_ns": arrival.mtime_ns,
            "received_at": received_at,
            "kind": received.kind,
            "source": received.source,
            "outcome": decision.label,
            "submission_id": submission_id,
            "receipt_json": json.dumps(decision.receipt),
        }
    ]
    return rows


def _insert(connection: duckdb.DuckDBPyConnection, files: list[_Processed]) -> None:
    """The rows of the given files, in one transaction: one INSERT per raw table."""
    by_table: dict[str, list[dict]] = {}
    for processed in files:
        for table, rows in processed.rows.items():
            by_table.setdefault(table, []).extend(rows)
    connection.begin()
    try:
        for table, rows in by_table.items():
            insert_rows(connection, table, rows)
        connection.commit()
    except Exception:
        connection.rollback()
        raise


def _write_receipts(settings: Settings, files: list[_Processed]) -> None:
    for processed in files:
        receipts.write_receipt(settings.receipts_dir, processed.receipt)
