"""The archive and its ledger are the source of truth; the warehouse's raw layer is rebuilt from them.

`rebuild_raw_from_archive` replays every arrival the ledger records, in the order it
records them, with the bytes the archive holds (never the files still in raw/, which may
be gone or changed): the same decisions as at arrival (intake/batch.Intake.decide_submission), so every
submission comes back, superseded ones included, with the same event ids, submission ids
and arrival order, hence the same one current. Receipts already on disk are kept.

`check_archive` compares every archive object with the ledger (present, and its sha256 is
its name); a missing or altered object is reported as an alert (lib/core/notify.py),
never ignored. `recover_warehouse` runs before a run opens the warehouse: a warehouse that
is missing (while the ledger is not empty) or unreadable (a truncated file: "Could not read
enough bytes") is set aside under a new name (never deleted) and rebuilt from the archive.

What the archive cannot give back: publication audit rows and dbt's relations live only in
the warehouse; the set-aside file keeps them, and the next run builds every dbt model anew.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.notify import JsonLinesNotifier
from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.intake.batch import Arrival, Intake, restore_missing_receipts
from cj_pipeline.lib.intake.discovery import ReceivedFile
from cj_pipeline.lib.intake.parsers import PARSERS, Parser
from cj_pipeline.lib.warehouse.build_plan import state_path
from cj_pipeline.lib.warehouse.schema import RAW_TABLES, ensure_raw_schema
from cj_pipeline.settings import Settings

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class ArchiveProblem:
    sha256: str
    problem: str  # "missing" or "altered"
    files: tuple[str, ...]  # the arrivals (relative paths) whose bytes these were

    def describe(self) -> str:
        what = "is missing" if self.problem == "missing" else "no longer has the sha256 it is filed under (altered)"
        return f"archive object {self.sha256} {what}; it held {', '.join(self.files[:5])}"


@dataclass
class RebuildReport:
    replayed: int = 0
    submissions: int = 0
    problems: list[ArchiveProblem] = field(default_factory=list)
    set_aside: Path | None = None

    def sentence(self, warehouse: Path) -> str:
        """What a run says when it restored the warehouse before building."""
        if self.set_aside:
            return (
                f"The warehouse {warehouse} could not be read (damaged or truncated): it was set aside as "
                f"{self.set_aside.name} (kept, not deleted) and rebuilt from the archive ({self.submissions} "
                "submissions)."
            )
        return f"The warehouse {warehouse} was missing: rebuilt from the archive ({self.submissions} submissions)."


def ledger_arrivals(settings: Settings) -> list[dict]:
    """The ledger's arrivals, each once (a crash before the warehouse commit records an
    arrival twice with the same event id), in the order they were recorded."""
    seen, arrivals = set(), []
    for entry in archive.read_ledger(settings.archive_dir):
        if entry.get("event_id") and entry["event_id"] not in seen:
            seen.add(entry["event_id"])
            arrivals.append(entry)
    return arrivals


def _expects_object(entry: dict) -> bool:
    """Whether the arrival's bytes were archived (False: refused unread, e.g. a link). Ledger
    lines written before `archived` was recorded: every content except the empty one."""
    return bool(entry.get("archived", entry["sha256"] != EMPTY_SHA256))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_archive(settings: Settings, arrivals: list[dict] | None = None) -> list[ArchiveProblem]:
    """Every archive object the ledger names: present, and its content's sha256 is its name.
    Objects no ledger line names are not looked at: the sensor's check on arrival archives a
    file's bytes before the run that writes its ledger line (intake/on_arrival.py)."""
    arrivals = ledger_arrivals(settings) if arrivals is None else arrivals
    files: dict[str, list[str]] = {}
    for entry in arrivals:
        if _expects_object(entry):
            where = entry.get("relative_path") or f"{entry.get('folder')}/{entry.get('original_name')}"
            files.setdefault(entry["sha256"], []).append(where)
    problems = []
    for sha256, names in files.items():
        path = archive.object_path(settings.archive_dir, sha256)
        if not path.is_file():
            problems.append(ArchiveProblem(sha256, "missing", tuple(names)))
        elif _sha256_file(path) != sha256:
            problems.append(ArchiveProblem(sha256, "altered", tuple(names)))
    return problems


def alert_archive_problems(settings: Settings, problems: list[ArchiveProblem]) -> dict | None:
    """One alert (alerts/alerts.jsonl) for the problems found, or None when there are none."""
    if not problems:
        return None
    alert = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kind": "archive_integrity",
        "status": "FAILURE",
        "job_name": "archive check",
        "message": (
            f"{len(problems)} archive object(s) missing or altered: "
            + "; ".join(p.describe() for p in problems[:20])
            + ". Restore them from backup (archive/objects/<first two hex>/<sha256>); the warehouse "
            "rows of these submissions stay, but they cannot be rebuilt from the archive until then."
        ),
        "objects": [{"sha256": p.sha256, "problem": p.problem, "files": list(p.files)} for p in problems],
    }
    JsonLinesNotifier.for_data_dir(settings.data_dir).send(alert)
    return alert


def _lock_error(error: Exception) -> bool:
    """Another process holds the file: busy, not broken (never set a busy warehouse aside)."""
    return isinstance(error, duckdb.ConnectionException) or "lock" in str(error).lower()


# Each warehouse path's file as this process last read it whole, as (device, inode, size,
# mtime): a run asks before it starts and its intake step asks again; unchanged bytes read the same.
_read_whole: dict[Path, tuple[int, int, int, int]] = {}


def warehouse_is_readable(path: Path) -> bool:
    """Open the warehouse read-only and read every raw table; False when DuckDB cannot (a
    truncated or overwritten file). A warehouse held by another process raises."""
    stat = path.stat()
    identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)  # before reading
    if _read_whole.get(path) == identity:
        return True
    try:
        with connect(path, read_only=True) as connection:
            present = {
                name
                for (name,) in connection.execute(
                    "select table_name from information_schema.tables where table_schema = 'raw'"
                ).fetchall()
            }
            for table in RAW_TABLES:
                if table in present:
                    connection.execute(f"select count(*), max(length(cast(columns(*) as varchar))) from raw.{table}")
    except duckdb.Error as error:
        if _lock_error(error):
            raise
        return False
    _read_whole[path] = identity
    return True


def set_aside(path: Path) -> Path:
    """Rename the warehouse (and its write-ahead log) to <name>.unreadable-<UTC time>; never delete."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    path.rename(target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    return target


def rebuild_raw_from_archive(settings: Settings, parsers: dict[str, Parser] | None = None) -> RebuildReport:
    """Replay every arrival of the ledger into a new warehouse (which must not exist yet)."""
    if settings.warehouse_path.exists():
        raise FileExistsError(f"{settings.warehouse_path} exists; set it aside first")
    settings.ensure_dirs()
    state_path(settings).unlink(missing_ok=True)  # its dbt relations are gone: the next build is full
    arrivals = ledger_arrivals(settings)
    report = RebuildReport(problems=check_archive(settings, arrivals))
    broken = {p.sha256 for p in report.problems}
    with connect(settings.warehouse_path) as connection:
        ensure_raw_schema(connection)
        intake = Intake(connection, settings, parsers or PARSERS, [])
        intake.only_missing_receipts = True
        for entry in arrivals:
            if entry["sha256"] in broken:
                continue  # its bytes are gone: reported as an alert, not replayed from nothing
            relative = entry.get("relative_path") or f"{entry['folder']}/{entry['original_name']}"
            received = ReceivedFile(
                path=settings.data_dir / relative,
                relative_path=relative,
                kind=entry["kind"],
                source=entry.get("source"),
                folder=entry["folder"],
            )
            refused = [Issue(**issue) for issue in entry.get("refused", [])]
            data = b""
            if _expects_object(entry):
                data = archive.object_path(settings.archive_dir, entry["sha256"]).read_bytes()
            elif not refused:  # an old ledger line of a file refused unread, before `refused` was kept
                refused = [
                    Issue(ERROR, "unreadable_file", "The file could not be read when it arrived.", "Send it again.")
                ]
            arrival = Arrival(
                received,
                int(entry.get("size_bytes") or 0),
                int(entry.get("mtime_ns") or 0),
                entry["sha256"],
                entry["event_id"],
                entry["received_at"],
            )
            receipt = intake.decide_submission(arrival, data, refused)
            report.replayed += 1
            report.submissions += receipt["duplicate_of"] is None
        intake.flush()
        restore_missing_receipts(connection, settings)
    alert_archive_problems(settings, report.problems)
    return report


def recover_warehouse(settings: Settings, parsers: dict[str, Parser] | None = None) -> RebuildReport | None:
    """Before a run opens the warehouse: rebuild it from the archive when it is missing while
    the ledger records arrivals, or unreadable (set aside first). None when it is fine."""
    path = settings.warehouse_path
    if path.exists():
        if warehouse_is_readable(path):
            return None
        aside = set_aside(path)
        report = rebuild_raw_from_archive(settings, parsers)
        report.set_aside = aside
        return report
    if ledger_arrivals(settings):
        return rebuild_raw_from_archive(settings, parsers)
    return None
