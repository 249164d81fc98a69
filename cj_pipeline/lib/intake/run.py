"""Intake, the whole of one run: every waiting file, oldest first, into the archive, the
warehouse and receipts; the report of what became of each (see intake/batch.py for the
order of work that makes a crash lose nothing)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.names import shown_name
from cj_pipeline.lib.intake import archive, receipts
from cj_pipeline.lib.intake.batch import BATCH_FILES, Intake, restore_missing_receipts, write_final_receipt
from cj_pipeline.lib.intake.discovery import ReceivedFile
from cj_pipeline.lib.intake.parsers import PARSERS, Parser
from cj_pipeline.lib.intake.rebuild import alert_archive_problems, check_archive, recover_warehouse
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


# A note whose receipt on arrival is not written yet is left this long for the sensor to write
# it (it is parsing the file), then dropped: the sensor stopped before writing it.
UNWRITTEN_NOTE_SECONDS = 3600


def finish_receipts_on_arrival(connection: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Receipts the sensor wrote on arrival that no run has replaced yet (receipts.py): the
    arrival is in the warehouse (a run took the file before the sensor's note, or a crash came
    between the commit and the receipt), so its receipt is written and the one on arrival goes;
    or the file changed or went before any run read it, so those bytes will never be loaded and
    the receipt says so. Receipts on arrival of files still waiting are left for their run.
    Returns how many receipts on arrival were finished."""
    notes = receipts.all_notes(settings.receipts_dir)
    if not notes:
        return 0
    loaded = dict(
        connection.execute(
            "SELECT event_id, receipt_json FROM raw.file_events WHERE event_id IN (SELECT unnest(?::VARCHAR[]))",
            [[note["event_id"] for note in notes]],
        ).fetchall()
    )
    finished = 0
    for note in notes:
        if note["event_id"] in loaded:
            write_final_receipt(settings, json.loads(loaded[note["event_id"]]))
            finished += 1
        elif _changed_since(settings, note):
            finished += _not_loaded(settings, note)
    return finished


def _changed_since(settings: Settings, note: dict) -> bool:
    try:
        stat = (settings.data_dir / note["path"]).lstat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    return (stat.st_size, stat.st_mtime_ns) != (note["size_bytes"], note["mtime_ns"])


def _not_loaded(settings: Settings, note: dict) -> int:
    """Say in a receipt on arrival that its bytes were never loaded; drop its note."""
    receipts_dir = settings.receipts_dir
    try:
        receipt = json.loads((receipts_dir / f"{note['stem']}.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        written = dt.datetime.fromisoformat(note["received_at"]).replace(tzinfo=dt.UTC)
        if (dt.datetime.now(dt.UTC) - written).total_seconds() > UNWRITTEN_NOTE_SECONDS:
            receipts.clear_note(receipts_dir, note["event_id"])
        return 0
    if receipt.get("stage") == receipts.CHECKED_ON_ARRIVAL:
        receipts.write_receipt(receipts_dir, {**receipt, "stage": receipts.NOT_LOADED})
    receipts.clear_note(receipts_dir, note["event_id"])
    return 1


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
    archive.sweep_temporaries(settings.archive_dir)  # left by a process killed mid-write
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
            for received, receipt in intake.process_all(sorted(files, key=_arrival_order)):
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
        finish_receipts_on_arrival(connection, settings)
    # Every object the ledger names is still there with its sha256; if not, say so (an alert).
    report.archive_problems = recovered.problems if recovered else check_archive(settings)
    if not recovered:  # a rebuild has already raised its alert
        alert_archive_problems(settings, report.archive_problems)
    return report
