"""Intake, the whole of one run: every waiting file, oldest first, into the archive, the
warehouse and receipts; the report of what became of each (see intake/batch.py for the
order of work that makes a crash lose nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.names import shown_name
from cj_pipeline.lib.intake import receipts
from cj_pipeline.lib.intake.batch import BATCH_FILES, Intake
from cj_pipeline.lib.intake.discovery import ReceivedFile
from cj_pipeline.lib.intake.parsers import PARSERS, Parser
from cj_pipeline.lib.warehouse.schema import ensure_raw_schema
from cj_pipeline.settings import Settings


@dataclass
class IntakeReport:
    accepted: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    skipped: int = 0
    archive_problems: list = field(default_factory=list)  # rebuild.ArchiveProblem: missing or altered objects
    rebuilt_from_archive: int = 0  # arrivals replayed because the warehouse was missing or unreadable

    @property
    def receipts(self) -> list[dict]:
        return self.accepted + self.rejected + self.duplicates

    def as_metadata(self) -> dict:
        return {
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "duplicates": len(self.duplicates),
            "already_processed": self.skipped,
            "rejected_files": ", ".join(shown_name(r["file"]) for r in self.rejected) or "none",
            "archive_problems": "; ".join(p.describe() for p in self.archive_problems) or "none",
            "rebuilt_from_archive": self.rebuilt_from_archive,
        }


def restore_missing_receipts(connection: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Rewrite receipts lost to a crash between the warehouse commit and the file write."""
    restored = 0
    for (receipt_json,) in connection.execute("SELECT receipt_json FROM raw.file_events").fetchall():
        receipt = json.loads(receipt_json)
        stem = receipts.stem_of(receipt)
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
    from cj_pipeline.lib.intake.rebuild import alert_archive_problems, check_archive, recover_warehouse

    settings.ensure_dirs()
    parsers = parsers or PARSERS
    report = IntakeReport()
    # The archive is the source of truth: a missing or unreadable warehouse is rebuilt from it
    # first (an unreadable one set aside, never deleted); then new files are added as usual.
    recovered = recover_warehouse(settings, parsers)
    if recovered:
        report.rebuilt_from_archive = recovered.replayed
    with connect(settings.warehouse_path) as connection:
        ensure_raw_schema(connection)
        restore_missing_receipts(connection, settings)
        intake = Intake(connection, settings, parsers, files, batch_files)
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
    # Every object the ledger names is still there with its sha256; if not, say so (an alert).
    report.archive_problems = recovered.problems if recovered else check_archive(settings)
    if not recovered:  # a rebuild has already raised its alert
        alert_archive_problems(settings, report.archive_problems)
    return report
