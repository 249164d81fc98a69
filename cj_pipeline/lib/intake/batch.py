"""Intake of a run's arrivals: archive, parse, and commit to the warehouse a batch at a time.

Order of work, chosen so a crash at any point loses nothing:
1. read a file's bytes and hash them; 2. store them in the archive and append the
ledger (idempotent by sha256), before anything parses them (a group of files at a time,
their fsyncs together: `Intake.process_all`); 3. parse; 4. in ONE
warehouse transaction per batch of files (up to BATCH_FILES) write each file's
submission, rows, issues and file event; 5. write the batch's receipts (rewritten
from the warehouse on the next run if a crash came between 4 and 5). A file the sensor
already checked on arrival (intake/on_arrival.py, steps 1-3 and its own receipt) keeps the
arrival time of that check, so the run's receipt has the same name and replaces it. A crash before
4 leaves the batch's files without a file event, so the next run processes them
again (their archive objects are already there; the ledger records the arrival again).
A file event (path, size, mtime, sha256) is processed at most once.

What a submission is: an arrival is a new submission unless the same bytes arrived before
in the same place (kind and folder: the area folder or flat upload folder for a return,
the source folder for a partner table) AND were accepted there; only then is it a
duplicate ("nothing changed"). So the same bytes in another area's folder are judged
afresh (and refused as `wrong_area_folder`), and an earlier rejection never blocks a later
arrival of the same bytes (moved to the right folder, or resent after a limit was raised).
The archive still keeps one object per content (sha256); the submission id is the event id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.kinds import RETURN
from cj_pipeline.lib.core.problems import ERROR, WARNING, Issue
from cj_pipeline.lib.intake import archive, changes, receipts
from cj_pipeline.lib.intake.discovery import ReceivedFile, placement_issues
from cj_pipeline.lib.intake.parsers import ParseOutcome, Parser
from cj_pipeline.lib.intake.safe_read import read_safely
from cj_pipeline.lib.warehouse.schema import insert_rows
from cj_pipeline.settings import Settings


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _event_id(relative_path: str, size: int, mtime_ns: int, sha256: str) -> str:
    return hashlib.sha256(f"{relative_path}|{size}|{mtime_ns}|{sha256}".encode()).hexdigest()[:32]


def receipt_of(
    arrival: Arrival,
    outcome: ParseOutcome,
    submission_id: str | None,
    duplicate_of: str | None,
) -> dict:
    received, sha256, received_at = arrival.received, arrival.sha256, arrival.received_at
    return {
        "event_id": arrival.event_id,
        "file": received.name,
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
class ArrivedFile:
    """One file's arrival: where, its size and time, its content's sha256 and its event id."""

    received: ReceivedFile
    size_bytes: int
    mtime_ns: int
    sha256: str
    event_id: str


@dataclass(frozen=True)
class Arrival(ArrivedFile):
    """An arrival with the time it was received (the receipt's name and the ledger's)."""

    received_at: str


@dataclass(frozen=True)
class ReadFile(ArrivedFile):
    """One file read for intake: its bytes (none when refused unread) and why it is refused
    before parsing (if it is)."""

    data: bytes
    read_issues: list[Issue]  # refused unread: nothing to archive
    refused: list[Issue]  # read_issues and placement issues: judged without parsing

    def as_arrival(self, received_at: str) -> Arrival:
        return Arrival(self.received, self.size_bytes, self.mtime_ns, self.sha256, self.event_id, received_at)


def read_arrival(settings: Settings, received: ReceivedFile) -> ReadFile | None:
    """Read one file as intake does (the run and the check on arrival alike); None when it is
    gone. The size and mtime are taken before the read, as the event id has always been."""
    try:
        stat = received.path.lstat()
    except FileNotFoundError:  # removed since it was listed: nothing was received
        return None
    data, read_issues = read_safely(settings, received)
    refused = read_issues + placement_issues(received)  # judged without parsing
    sha256 = sha256_bytes(data)
    event_id = _event_id(received.relative_path, stat.st_size, stat.st_mtime_ns, sha256)
    return ReadFile(received, stat.st_size, stat.st_mtime_ns, sha256, event_id, data, read_issues, refused)


def judge(
    parsers: dict[str, Parser], received: ReceivedFile, data: bytes, refused: list[Issue], settings: Settings
) -> ParseOutcome:
    """The verdict on an arrival's bytes: refused unparsed, or what its kind's parser says."""
    if refused:
        return ParseOutcome(status="rejected", issues=list(refused))
    return parsers[received.kind](data, received, settings)


@dataclass
class SubmissionDecision:
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


# Bytes read ahead of parsing at most (with at most a batch of files): the group archived at once.
ARCHIVE_AHEAD_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Read:
    """A file read ahead of its parse: None for one gone or already processed."""

    received: ReceivedFile
    read: ReadFile | None
    data: bytes
    received_at: str = ""


def _ledger_entry(read: ReadFile, received_at: str) -> dict:
    """The archive ledger's line of one arrival (rebuild.py replays the archive from these)."""
    received = read.received
    return {
        "event_id": read.event_id,
        "sha256": read.sha256,
        "original_name": received.name,
        "relative_path": received.relative_path,
        "folder": received.folder,
        "size_bytes": read.size_bytes,
        "mtime_ns": read.mtime_ns,
        "received_at": received_at,
        "kind": received.kind,
        "source": received.source,
        "archived": not read.read_issues,  # False: refused unread, no object (rebuild.py)
        "refused": [issue.to_dict() for issue in read.refused],
    }


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
        # (sha256, kind, folder) -> the first ACCEPTED submission of those bytes in that place:
        # the duplicate check (see the module docstring for why place and acceptance count).
        self.accepted: dict[tuple[str, str, str], KnownSubmission] = {}
        for sha256, kind, folder, *row in connection.execute(
            "SELECT sha256, kind, folder, submission_id, status, area_code, financial_year FROM raw.submissions "
            "WHERE status = 'accepted' ORDER BY arrival_seq"
        ).fetchall():
            self.accepted.setdefault((sha256, kind, folder), KnownSubmission(*row))
        self.only_missing_receipts = False  # a rebuild from the archive keeps the receipts there
        self.current_returns = changes.current_returns(connection)  # (area, year) -> accepted return

    def process_all(self, files: list[ReceivedFile]) -> Iterator[tuple[ReceivedFile, dict | None]]:
        """Archive and parse the files in the order given, into batches: yields each file with
        its receipt, or None when this event was already processed (or the file is gone). The
        receipts are written once their batch is committed.

        Files are read and archived a group at a time (objects and ledger lines fsynced
        together), each group before any of its files is parsed: every file is still archived
        before it is parsed, for a few fsyncs per group instead of three per file."""
        group: list[_Read] = []
        for received in files:
            group.append(self._read(received))
            if len(group) >= self.batch_files or sum(len(item.data) for item in group) >= ARCHIVE_AHEAD_BYTES:
                yield from self._archive_then_decide(group)
                group = []
        yield from self._archive_then_decide(group)

    def _read(self, received: ReceivedFile) -> _Read:
        read = read_arrival(self.settings, received)
        if read is None or read.event_id in self.seen_events:
            return _Read(received, None, b"")
        # Checked on arrival by the sensor: the same arrival time, so the same receipt name,
        # and this receipt replaces that one (receipts.py).
        note = receipts.read_note(self.settings.receipts_dir, read.event_id)
        return _Read(received, read, read.data, note["received_at"] if note else now_utc())

    def _archive_then_decide(self, group: list[_Read]) -> Iterator[tuple[ReceivedFile, dict | None]]:
        new = [item for item in group if item.read is not None]
        archive_dir = self.settings.archive_dir
        archive.store_objects(archive_dir, {i.read.sha256: i.data for i in new if i.read and not i.read.read_issues})
        archive.append_ledger_entries(archive_dir, [_ledger_entry(i.read, i.received_at) for i in new if i.read])
        for item in group:
            read = item.read
            if read is None:
                yield item.received, None
            else:
                yield item.received, self.decide_submission(read.as_arrival(item.received_at), item.data, read.refused)

    def decide_submission(self, arrival: Arrival, data: bytes, refused: list[Issue]) -> dict:
        """What becomes of one archived arrival (a new submission or a duplicate), into the
        batch. Called by `process` and, with the archive's bytes, by the rebuild."""
        connection, settings = self.connection, self.settings
        received, sha256, event_id = arrival.received, arrival.sha256, arrival.event_id
        place = (sha256, received.kind, received.folder)
        existing = None if refused else self.accepted.get(place)
        if existing:
            outcome = ParseOutcome(
                status=existing.status,
                area_code=existing.area_code,
                financial_year=existing.financial_year,
                issues=[
                    Issue(
                        WARNING,
                        "duplicate_file",
                        f"These exact bytes were already received in {received.folder}/ and accepted as "
                        f"submission {existing.submission_id}; nothing changed.",
                        "No action needed. To correct a return, change it and send it again.",
                    )
                ],
            )
            receipt = receipt_of(arrival, outcome, existing.submission_id, existing.submission_id)
            submission_id, outcome_label, tables = existing.submission_id, "duplicate", {}
        else:
            outcome = judge(self.parsers, received, data, refused, settings)
            submission_id = event_id  # one submission per arrival that is not a duplicate
            receipt = receipt_of(arrival, outcome, submission_id, None)
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
                batch.next_seq = int(
                    connection.execute("SELECT coalesce(max(arrival_seq), 0) + 1 FROM raw.submissions").fetchall()[0][0]
                )
            sequence = batch.next_seq
            batch.next_seq = sequence + 1
            if outcome_label == "accepted":
                self.accepted.setdefault(
                    place, KnownSubmission(submission_id, outcome.status, outcome.area_code, outcome.financial_year)
                )
                if received.kind == RETURN:
                    batch.accepted_returns.add((outcome.area_code, outcome.financial_year))
                    if outcome.area_code and outcome.financial_year:
                        self.current_returns[(outcome.area_code, outcome.financial_year)] = submission_id
                else:
                    batch.accepted_partner_sources.add(received.source)
        self.seen_events.add(event_id)
        decision = SubmissionDecision(outcome_label, submission_id, outcome, receipt, tables, sequence)
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
                    _write_receipts(self.settings, files[:done], self.only_missing_receipts)
                    raise
        _write_receipts(self.settings, files, self.only_missing_receipts)


def _file_rows(arrival: Arrival, decision: SubmissionDecision) -> dict[str, list[dict]]:
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
                "original_name": received.name,
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
            "original_name": received.name,
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


def _write_receipts(settings: Settings, files: list[_Processed], only_missing: bool = False) -> None:
    """The batch's receipts, all written at once; then, as `write_final_receipt` does for one,
    each replaced receipt on arrival's note goes (only once the run's receipt is in place)."""
    written = [
        processed.receipt
        for processed in files
        if not (only_missing and _has_run_receipt(settings.receipts_dir, processed.receipt))
    ]
    receipts.write_receipts(settings.receipts_dir, written)
    for receipt in written:
        _retire_note(settings.receipts_dir, receipt)


def _has_run_receipt(receipts_dir: Path, receipt: dict) -> bool:
    """The run's own receipt is there (a receipt on arrival, still noted, is to be replaced)."""
    if not (receipts_dir / f"{receipts.stem_of(receipt)}.json").exists():
        return False
    return receipts.read_note(receipts_dir, receipt["event_id"]) is None


def write_final_receipt(settings: Settings, receipt: dict) -> None:
    """An arrival's receipt from the run: written over its receipt on arrival if the sensor wrote
    one (same name), whose note then goes, so the arrival has one receipt, this one."""
    receipts.write_receipt(settings.receipts_dir, receipt)
    _retire_note(settings.receipts_dir, receipt)


def _retire_note(receipts_dir: Path, receipt: dict) -> None:
    """After the run's receipt is written: drop the sensor's note of a receipt on arrival (and
    that receipt, when a run took the file before the note and named its receipt otherwise)."""
    note = receipts.read_note(receipts_dir, receipt["event_id"])
    if note is not None:
        if note["stem"] != receipts.stem_of(receipt):  # a run that took the file before the sensor's note
            receipts.remove_receipt(receipts_dir, note["stem"])
        receipts.clear_note(receipts_dir, receipt["event_id"])


def restore_missing_receipts(connection: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Rewrite receipts (and areas' outbox copies) lost to a crash between the warehouse
    commit and the file write."""
    restored = 0
    for (receipt_json,) in connection.execute("SELECT receipt_json FROM raw.file_events").fetchall():
        restored += receipts.restore_if_missing(settings.receipts_dir, json.loads(receipt_json))
    return restored
