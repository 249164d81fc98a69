"""The append-only archive: the exact bytes of every file received, by sha256.

Written before anything parses the file, so nothing received is ever lost.
Objects are written to a temporary name and renamed (atomic on POSIX), so a
crash leaves either the whole object or none; the ledger is append-only JSON
lines recording who/what/when for every arrival, duplicates included.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cj_pipeline.lib.core.atomic import write_all
from cj_pipeline.lib.core.processes import process_alive


def object_path(archive_dir: Path, sha256: str) -> Path:
    return archive_dir / "objects" / sha256[:2] / sha256


def store_object(archive_dir: Path, data: bytes, sha256: str) -> Path:
    """Store bytes under their hash unless already there; never overwrite."""
    store_objects(archive_dir, {sha256: data})
    return object_path(archive_dir, sha256)


def store_objects(archive_dir: Path, contents: dict[str, bytes]) -> None:
    """`store_object` for many contents (sha256 -> bytes) at once: those not already there are
    written together (core/atomic.write_all), each durable before its name appears."""
    missing = [(object_path(archive_dir, sha256), data) for sha256, data in contents.items()]
    missing = [(target, data) for target, data in missing if not target.exists()]
    write_all(missing, temporary=_temporary)


def _temporary(target: Path) -> Path:
    """The temporary's name carries the writer's pid, which `sweep_temporaries` reads."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def sweep_temporaries(archive_dir: Path) -> list[Path]:
    """Remove temporaries (`.<sha256>.<pid>.tmp`) left by a process that died while writing
    (SIGKILL, power cut): never a finished object, never one a live process is writing."""
    removed = []
    for path in (archive_dir / "objects").glob("*/.*.tmp"):
        parts = path.name.split(".")  # ['', sha256, pid, 'tmp']
        if len(parts) == 4 and parts[2].isdigit() and not process_alive(int(parts[2])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def append_ledger(archive_dir: Path, entry: dict) -> None:
    """Append one arrival to archive/ledger.jsonl (flushed to disk before returning)."""
    append_ledger_entries(archive_dir, [entry])


def append_ledger_entries(archive_dir: Path, entries: list[dict]) -> None:
    """Append arrivals to archive/ledger.jsonl, one line each, with one fsync before returning."""
    if not entries:
        return
    archive_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)
    with open(archive_dir / "ledger.jsonl", "a", encoding="utf-8") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())


def read_ledger(archive_dir: Path) -> list[dict]:
    """Every ledger entry; a torn last line from a crash is skipped."""
    path = archive_dir / "ledger.jsonl"
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries
