"""Intake: find waiting files, archive them, parse, load raw tables, write receipts.

Order of work per file, chosen so a crash at any point loses nothing:
1. read the bytes and hash them; 2. store them in the archive and append the
ledger (idempotent by sha256); 3. parse; 4. in ONE warehouse transaction write
the submission, its rows, its issues and the file event; 5. write the receipt
(rewritten from the warehouse on the next run if a crash came between 4 and 5).
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
from cj_pipeline.lib.partners import parse_partner_file
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


def ingest_file(
    connection: duckdb.DuckDBPyConnection, settings: Settings, received: ReceivedFile, parsers: dict[str, Parser]
) -> dict | None:
    """Process one file; returns its receipt, or None when this event was already processed."""
    try:
        stat = received.path.lstat()
    except FileNotFoundError:  # removed since it was listed: nothing was received
        return None
    data, read_issues = _read_safely(settings, received)
    sha256 = archive.sha256_bytes(data)
    event_id = _event_id(received.relative_path, stat.st_size, stat.st_mtime_ns, sha256)
    if connection.execute("SELECT 1 FROM raw.file_events WHERE event_id = ?", [event_id]).fetchall():
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
    existing = connection.execute(
        "SELECT submission_id, status, area_code, financial_year FROM raw.submissions WHERE sha256 = ? AND kind = ?",
        [sha256, received.kind],
    ).fetchall()
    existing = existing[0] if existing else None
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
            else parsers[received.kind](data, received, settings)
        )
        submission_id = event_id if read_issues else sha256[:32]
        receipt = _receipt(received, sha256, received_at, outcome, submission_id, None)
        outcome_label, tables = outcome.status, outcome.tables if outcome.status == "accepted" else {}
        if outcome_label == "accepted":  # a corrected return or revised partner values: say what changed
            report, change_rows = changes.change_report(connection, received.kind, received.source,
                                                        outcome.area_code, outcome.financial_year, tables)  # fmt: skip
            receipt.update(report)
            tables = {**tables, "change_reports": change_rows} if report else tables
    _commit(connection, received, stat, sha256, event_id, received_at, receipt, submission_id,
            outcome_label, outcome, tables, new_submission=outcome_label != "duplicate")  # fmt: skip
    receipts.write_receipt(settings.receipts_dir, receipt)
    return receipt


def _commit(connection, received, stat, sha256, event_id, received_at, receipt, submission_id,
            outcome_label, outcome, tables, new_submission) -> None:  # fmt: skip
    """Everything the warehouse learns about one file, in one transaction."""
    connection.begin()
    try:
        if new_submission:
            sequence = connection.execute("SELECT coalesce(max(arrival_seq), 0) + 1 FROM raw.submissions").fetchall()[0][0]
            insert_rows(connection, "submissions", [{
                "submission_id": submission_id, "sha256": sha256, "kind": received.kind,
                "source": received.source, "original_name": received.path.name, "folder": received.folder,
                "received_at": received_at, "arrival_seq": sequence, "status": outcome.status,
                "area_code": outcome.area_code, "financial_year": outcome.financial_year,
                "error_count": sum(i.severity == ERROR for i in outcome.issues),
                "warning_count": sum(i.severity == WARNING for i in outcome.issues),
            }])  # fmt: skip
            insert_rows(connection, "issues", [{"submission_id": submission_id, **i.to_dict()} for i in outcome.issues])
            for table, rows in tables.items():
                insert_rows(connection, table, [{"submission_id": submission_id, **row} for row in rows])
        insert_rows(connection, "file_events", [{
            "event_id": event_id, "sha256": sha256, "relative_path": received.relative_path,
            "original_name": received.path.name, "folder": received.folder, "size_bytes": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "received_at": received_at, "kind": received.kind,
            "source": received.source, "outcome": outcome_label, "submission_id": submission_id,
            "receipt_json": json.dumps(receipt),
        }])  # fmt: skip
        connection.commit()
    except Exception:
        connection.rollback()
        raise


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
) -> IntakeReport:
    """Ingest the given files (oldest first) into the archive, warehouse and receipts."""
    settings.ensure_dirs()
    parsers = parsers or PARSERS
    report = IntakeReport()
    with connect(settings.warehouse_path) as connection:
        ensure_raw_schema(connection)
        restore_missing_receipts(connection, settings)
        for received in sorted(files, key=_arrival_order):
            receipt = ingest_file(connection, settings, received, parsers)
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
    return report
