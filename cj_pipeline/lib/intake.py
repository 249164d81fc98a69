"""Intake: find waiting files, archive them, parse, load raw tables, write receipts.

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
import stat as stat_module
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cj_pipeline.lib import archive, changes, receipts
from cj_pipeline.lib.areas import normalise_area
from cj_pipeline.lib.partners.parse import parse_partner_file
from cj_pipeline.lib.problems import ERROR, WARNING, CellProblem, Issue
from cj_pipeline.lib.seeds import SCOTLAND_CODE
from cj_pipeline.lib.tables import open_table_file
from cj_pipeline.lib.validate import return_rows, validate_bytes
from cj_pipeline.lib.warehouse import connect, ensure_raw_schema, insert_rows
from cj_pipeline.settings import Settings

PARTNER = "partner"
RETURN = "return"


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    relative_path: str  # relative to the data dir, for receipts and the ledger
    kind: str  # PARTNER or RETURN
    source: str | None  # partner source (folder name) or None for returns
    folder: str  # the folder it was dropped in, relative to the data dir


@dataclass
class ParseOutcome:
    status: str  # "accepted" or "rejected"
    issues: list[Issue]
    tables: dict[str, list[dict]] = field(default_factory=dict)  # raw table -> rows
    area_code: str | None = None
    financial_year: str | None = None
    summary: dict = field(default_factory=dict)


Parser = Callable[[bytes, ReceivedFile, Settings], ParseOutcome]


def _is_candidate(path: Path) -> bool:
    """Skip folders, hidden files and Office lock files (~$name.xlsx)."""
    name = path.name
    return not (name.startswith(".") or name.startswith("~$")) and (path.is_file() or path.is_symlink())


def discover_partner_files(settings: Settings) -> list[ReceivedFile]:
    found = []
    if not settings.partners_dir.exists():
        return found
    for source_dir in sorted(p for p in settings.partners_dir.iterdir() if p.is_dir()):
        for path in sorted(source_dir.iterdir()):
            if _is_candidate(path):
                found.append(_received(settings, path, PARTNER, source_dir.name))
    return found


def _received(settings: Settings, path: Path, kind: str, source: str | None) -> ReceivedFile:
    relative = path.relative_to(settings.data_dir).as_posix()
    folder = path.parent.relative_to(settings.data_dir).as_posix()
    return ReceivedFile(path=path, relative_path=relative, kind=kind, source=source, folder=folder)


def parse_partner_submission(data: bytes, received: ReceivedFile, settings: Settings) -> ParseOutcome:
    opened = open_table_file(data, received.path.name, settings)
    parsed = parse_partner_file(opened, received.source or "", received.path.name)
    rows = [value.__dict__ for value in parsed.values] if parsed.accepted else []
    markers = Counter(v.marker for v in parsed.values if v.marker)
    summary = {}
    if parsed.values:
        summary = {
            "source": received.source,
            "tables_read": ", ".join(parsed.tables_read),
            "rows_read": len(parsed.values),
            "rows_loaded": len(rows),  # 0 when rejected: a partner file is loaded whole or not at all
            "empty_cells": parsed.empty_cells,
            "areas": len({v.area_code for v in parsed.values if v.area_code != SCOTLAND_CODE}),
            "scotland_row": "yes" if any(v.area_code == SCOTLAND_CODE for v in parsed.values) else "no",
            "years": ", ".join(sorted({v.financial_year for v in parsed.values})),
            "measures": ", ".join(sorted({v.measure for v in parsed.values})),
            "markers": ", ".join(f"{m} x{n}" for m, n in sorted(markers.items())) or "none",
        }
    return ParseOutcome(
        status="accepted" if parsed.accepted else "rejected",
        issues=parsed.issues,
        tables={"partner_values": rows},
        summary=summary,
    )


def discover_upload_files(settings: Settings) -> list[ReceivedFile]:
    """Returns waiting in raw/uploads/ itself and in per-area folders raw/uploads/<GSS code>/."""
    found = []
    if not settings.uploads_dir.exists():
        return found
    for path in sorted(settings.uploads_dir.iterdir()):
        # A linked folder is not walked (the sensor does not walk it either): it is one
        # arrival, refused unread as not a plain file.
        if path.is_dir() and not path.is_symlink() and not path.name.startswith("."):
            found += [_received(settings, p, RETURN, None) for p in sorted(path.iterdir()) if _is_candidate(p)]
        elif _is_candidate(path):
            found.append(_received(settings, path, RETURN, None))
    return found


def _folder_area(received: ReceivedFile, settings: Settings) -> tuple[str | None, list[Issue]]:
    """The area a per-area upload folder stands for (None for the flat folder)."""
    folder = received.path.parent
    if folder.resolve() == settings.uploads_dir.resolve():
        return None, []
    try:
        return normalise_area(folder.name), []
    except CellProblem:
        return None, [
            Issue(ERROR, "unknown_area_folder",
                  f"The upload folder '{folder.name}' is not a local authority's GSS code.",
                  "Put returns directly in raw/uploads/ or in raw/uploads/<GSS code>/ (for example S12000036).")
        ]  # fmt: skip


def parse_return_submission(data: bytes, received: ReceivedFile, settings: Settings) -> ParseOutcome:
    """A local area return: validated by the rules in lib/rules, rows for the raw return_* tables."""
    expected_area, folder_issues = _folder_area(received, settings)
    result = validate_bytes(data, received.path.name, settings, expected_area=expected_area)
    issues = folder_issues + result.issues
    accepted = result.accepted and not folder_issues
    tables = return_rows(result) if accepted else {}
    summary = {}
    if accepted:
        summary = {
            "evidence_items": len(tables["return_evidence"]),
            "measures": len(tables["return_measures"]),
            "outcomes_assessed": len(tables["return_assessments"]),
            "local_outcomes": len(tables["return_local_outcomes"]),
        }
    return ParseOutcome(
        status="accepted" if accepted else "rejected",
        issues=issues,
        tables=tables,
        area_code=result.area_code,
        financial_year=result.financial_year,
        summary=summary,
    )


PARSERS: dict[str, Parser] = {PARTNER: parse_partner_submission, RETURN: parse_return_submission}


@dataclass
class IntakeReport:
    accepted: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    skipped: int = 0

    @property
    def receipts(self) -> list[dict]:
        return self.accepted + self.rejected + self.duplicates

    def as_metadata(self) -> dict:
        return {
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "duplicates": len(self.duplicates),
            "already_processed": self.skipped,
            "rejected_files": ", ".join(r["file"] for r in self.rejected) or "none",
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _event_id(relative_path: str, size: int, mtime_ns: int, sha256: str) -> str:
    return hashlib.sha256(f"{relative_path}|{size}|{mtime_ns}|{sha256}".encode()).hexdigest()[:32]


def _outside_data_dir(settings: Settings, path: Path) -> bool:
    try:
        path.resolve().relative_to(settings.data_dir.resolve())
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop
        return True
    return False


def _read_safely(settings: Settings, received: ReceivedFile) -> tuple[bytes, list[Issue]]:
    """The bytes to archive, or none with an issue when the file must not be read."""
    if _outside_data_dir(settings, received.path):
        return b"", [
            Issue(ERROR, "link_outside_data_dir",
                  f"'{received.path.name}' is a link to a location outside the data folder (or a link "
                  "that loops); it was not read.",
                  "Copy the file itself into the upload folder instead of linking to it.")
        ]  # fmt: skip
    # Never open what is not a plain file (a FIFO would block, a device never end), and
    # never read more than the limit: larger files are rejected unread.
    try:
        target = received.path.stat()
        if not stat_module.S_ISREG(target.st_mode):
            raise IsADirectoryError
        with open(received.path, "rb") as handle:
            data = handle.read(settings.max_file_bytes + 1)
    except OSError:
        return b"", [
            Issue(ERROR, "unreadable_file",
                  f"'{received.path.name}' is not a readable file (a folder, a device, or a link to "
                  "something that is missing); it was not read.",
                  "Copy the file itself into the upload folder and send it again.")
        ]  # fmt: skip
    if len(data) > settings.max_file_bytes:
        return b"", [
            Issue(ERROR, "file_too_large",
                  f"'{received.path.name}' is more than {settings.max_file_bytes:,} bytes, the limit; "
                  "it was not read.",
                  "Remove unused sheets or images, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.")
        ]  # fmt: skip
    return data, []


def _receipt(received: ReceivedFile, sha256: str, received_at: str, outcome: ParseOutcome,
             submission_id: str, duplicate_of: str | None) -> dict:  # fmt: skip
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


class _Intake:
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

    def __init__(self, connection: duckdb.DuckDBPyConnection, settings: Settings, parsers: dict[str, Parser],
                 files: list[ReceivedFile], batch_files: int = BATCH_FILES) -> None:  # fmt: skip
        self.connection, self.settings, self.parsers = connection, settings, parsers
        self.batch_files = max(1, batch_files)
        self.batch = _Batch()
        paths = sorted({received.relative_path for received in files})
        # Events already processed, of the files listed (one query, not one per file).
        self.seen_events: set[str] = {event_id for (event_id,) in connection.execute(
            "SELECT event_id FROM raw.file_events WHERE relative_path IN (SELECT unnest(?::VARCHAR[]))", [paths]
        ).fetchall()} if paths else set()  # fmt: skip
        # (sha256, kind) -> the first submission of those bytes: the duplicate check.
        self.submissions: dict[tuple[str, str], tuple] = {}
        for sha256, kind, *row in connection.execute(
            "SELECT sha256, kind, submission_id, status, area_code, financial_year FROM raw.submissions "
            "ORDER BY arrival_seq"
        ).fetchall():
            self.submissions.setdefault((sha256, kind), tuple(row))
        self.current_returns = changes.current_returns(connection)  # (area, year) -> accepted return

    def process(self, received: ReceivedFile) -> dict | None:
        """Archive and parse one file into the batch; returns its receipt, or None when this
        event was already processed. The receipt is written once the batch is committed."""
        connection, settings = self.connection, self.settings
        try:
            stat = received.path.lstat()
        except FileNotFoundError:  # removed since it was listed: nothing was received
            return None
        data, read_issues = _read_safely(settings, received)
        sha256 = archive.sha256_bytes(data)
        event_id = _event_id(received.relative_path, stat.st_size, stat.st_mtime_ns, sha256)
        if event_id in self.seen_events:
            return None
        received_at = _now()
        if not read_issues:
            archive.store_object(settings.archive_dir, data, sha256)
        archive.append_ledger(
            settings.archive_dir,
            {"event_id": event_id, "sha256": sha256, "original_name": received.path.name,
             "folder": received.folder, "size_bytes": stat.st_size, "received_at": received_at,
             "kind": received.kind, "source": received.source},
        )  # fmt: skip
        existing = self.submissions.get((sha256, received.kind))
        if existing and not read_issues:
            outcome = ParseOutcome(
                status=existing[1], area_code=existing[2], financial_year=existing[3],
                issues=[Issue(WARNING, "duplicate_file",
                              f"These exact bytes were already received as submission {existing[0]}; nothing changed.",
                              "No action needed. To correct a return, change it and send it again.")],
            )  # fmt: skip
            receipt = _receipt(received, sha256, received_at, outcome, existing[0], existing[0])
            submission_id, outcome_label, tables = existing[0], "duplicate", {}
        else:
            outcome = (
                ParseOutcome(status="rejected", issues=read_issues)
                if read_issues
                else self.parsers[received.kind](data, received, settings)
            )
            submission_id = event_id if read_issues else sha256[:32]
            receipt = _receipt(received, sha256, received_at, outcome, submission_id, None)
            outcome_label, tables = outcome.status, outcome.tables if outcome.status == "accepted" else {}
            if outcome_label == "accepted":  # a corrected return or revised partner values: say what changed
                if self._replaces_in_batch(received, outcome):
                    self.flush()  # the version it replaces must be in the warehouse to be read
                report, change_rows = changes.change_report(connection, received.kind, received.source,
                                                            outcome.area_code, outcome.financial_year, tables,
                                                            self.current_returns)  # fmt: skip
                receipt.update(report)
                tables = {**tables, "change_reports": change_rows} if report else tables
        batch = self.batch  # a new one if flushed above
        sequence = None
        if outcome_label != "duplicate":
            if batch.next_seq is None:
                batch.next_seq = connection.execute(
                    "SELECT coalesce(max(arrival_seq), 0) + 1 FROM raw.submissions").fetchall()[0][0]  # fmt: skip
            sequence, batch.next_seq = batch.next_seq, batch.next_seq + 1
            self.submissions.setdefault((sha256, received.kind), (submission_id, outcome.status,
                                                                  outcome.area_code, outcome.financial_year))  # fmt: skip
            if outcome_label == "accepted":
                if received.kind == RETURN:
                    batch.accepted_returns.add((outcome.area_code, outcome.financial_year))
                    if outcome.area_code and outcome.financial_year:
                        self.current_returns[(outcome.area_code, outcome.financial_year)] = submission_id
                else:
                    batch.accepted_partner_sources.add(received.source)
        self.seen_events.add(event_id)
        batch.files.append(_Processed(receipt, _file_rows(received, stat, sha256, event_id, received_at, receipt,
                                                          submission_id, outcome_label, outcome, tables, sequence)))  # fmt: skip
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


def _file_rows(received, stat, sha256, event_id, received_at, receipt, submission_id,
               outcome_label, outcome, tables, sequence) -> dict[str, list[dict]]:  # fmt: skip
    """Everything the warehouse learns about one file (committed with its batch)."""
    rows: dict[str, list[dict]] = {}
    if outcome_label != "duplicate":
        rows["submissions"] = [{
            "submission_id": submission_id, "sha256": sha256, "kind": received.kind,
            "source": received.source, "original_name": received.path.name, "folder": received.folder,
            "received_at": received_at, "arrival_seq": sequence, "status": outcome.status,
            "area_code": outcome.area_code, "financial_year": outcome.financial_year,
            "error_count": sum(i.severity == ERROR for i in outcome.issues),
            "warning_count": sum(i.severity == WARNING for i in outcome.issues),
        }]  # fmt: skip
        rows["issues"] = [{"submission_id": submission_id, **i.to_dict()} for i in outcome.issues]
        for table, table_rows in tables.items():
            rows.setdefault(table, []).extend({"submission_id": submission_id, **row} for row in table_rows)
    rows["file_events"] = [{
        "event_id": event_id, "sha256": sha256, "relative_path": received.relative_path,
        "original_name": received.path.name, "folder": received.folder, "size_bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns, "received_at": received_at, "kind": received.kind,
        "source": received.source, "outcome": outcome_label, "submission_id": submission_id,
        "receipt_json": json.dumps(receipt),
    }]  # fmt: skip
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


def restore_missing_receipts(connection: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Rewrite receipts lost to a crash between the warehouse commit and the file write."""
    restored = 0
    for (receipt_json,) in connection.execute("SELECT receipt_json FROM raw.file_events").fetchall():
        receipt = json.loads(receipt_json)
        stem = receipts.receipt_stem(receipt["received_at"], receipt["sha256"], receipt["file"])
        if not (settings.receipts_dir / f"{stem}.json").exists():
            receipts.write_receipt(settings.receipts_dir, receipt)
            restored += 1
    return restored


def _arrival_order(received: ReceivedFile) -> tuple[int, str]:
    """Older files first, so a later file supersedes an earlier one."""
    try:
        return received.path.lstat().st_mtime_ns, received.relative_path
    except FileNotFoundError:
        return 0, received.relative_path


def ingest_pending(
    settings: Settings,
    files: list[ReceivedFile],
    parsers: dict[str, Parser] | None = None,
    progress: Callable[[ReceivedFile, dict | None], None] | None = None,
    batch_files: int = BATCH_FILES,
) -> IntakeReport:
    """Ingest the given files (oldest first) into the archive, warehouse and receipts.

    `progress` is called for each file as soon as it is processed (its receipt, or None when
    already processed); the warehouse rows and the receipt file follow with its batch's commit.
    """
    settings.ensure_dirs()
    parsers = parsers or PARSERS
    report = IntakeReport()
    with connect(settings.warehouse_path) as connection:
        ensure_raw_schema(connection)
        restore_missing_receipts(connection, settings)
        intake = _Intake(connection, settings, parsers, files, batch_files)
        try:
            for received in sorted(files, key=_arrival_order):
                receipt = intake.process(received)
                if progress:
                    progress(received, receipt)
                if receipt is None:
                    report.skipped += 1
                elif receipt["duplicate_of"]:
                    report.duplicates.append(receipt)
                elif receipt["status"] == "accepted":
                    report.accepted.append(receipt)
                else:
                    report.rejected.append(receipt)
        except BaseException:
            # A file that raised (a parser bug, an unreadable archive) was not added to the
            # batch: commit the files before it, then let the error stop the run, as before.
            intake.flush()
            raise
        intake.flush()
    return report
