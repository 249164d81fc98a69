"""Which dropped files are ready to take: the stable-file rule and arrival fingerprints.

A file being copied into raw/ grows for a while; reading it half-written would archive a
broken submission. So a file is only taken once it has stood untouched for the settle time
(judged by the time since its last change, its mtime), or its size and mtime were the same on
two consecutive looks (sensor ticks). A file changed less than the settle time ago is looked
at again within the same tick once it should have settled (`take_stable_files`), rather than
a whole tick later. The previous look travels in the sensor cursor as JSON, which keeps the
sensor stateless between daemon restarts.

Plain functions, no Dagster: the sensors and the schedule are thin wrappers around them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.names import stored_name
from cj_pipeline.lib.warehouse.schema import recorded_file_events
from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError
from cj_pipeline.settings import Settings

# (size in bytes, mtime in ns): what one look at a file records.
Observation = tuple[int, int]

CURSOR_VERSION = 1


def is_candidate_name(name: str) -> bool:
    """Hidden files and Office lock files (~$name.xlsx) are never submissions."""
    return not (name.startswith(".") or name.startswith("~$"))


def list_candidate_files(folder: Path, min_depth: int = 1, max_depth: int | None = None) -> dict[str, Observation]:
    """Files under `folder` (relative posix path -> (size, mtime_ns)), hidden/lock files skipped.

    Depth 1 is a file directly in `folder`, depth 2 a file in one subfolder, and so on; by
    default every depth is listed, because intake gives every file under raw/uploads/ and
    raw/partners/ a receipt (files where they are not read are rejected with where to put
    them, intake/discovery.py). Linked folders are listed as files, never walked.
    A file that vanishes while we look is simply not listed.
    """
    found: dict[str, Observation] = {}
    if not folder.is_dir():
        return found

    def walk(directory: Path, depth: int) -> None:
        for entry in sorted(directory.iterdir()):
            if not is_candidate_name(entry.name):
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    if max_depth is None or depth < max_depth:
                        walk(entry, depth + 1)
                elif depth >= min_depth:
                    stat = entry.lstat()
                    found[entry.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
            except (FileNotFoundError, PermissionError):
                continue

    walk(folder, 1)
    return found


@dataclass(frozen=True)
class StableState:
    """What the cursor remembers: the last look at every file, and what was already taken."""

    observed: dict[str, Observation] = field(default_factory=dict)
    taken: dict[str, Observation] = field(default_factory=dict)

    def to_cursor(self) -> str:
        return json.dumps(
            {"version": CURSOR_VERSION, "observed": self.observed, "taken": self.taken},
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_cursor(cls, cursor: str | None) -> StableState:
        """An empty state for no cursor or one this code cannot read (the sensor starts afresh:
        every file then waits one more tick, and nothing already processed is lost, because
        intake itself skips file events it has seen)."""
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            if data.get("version") != CURSOR_VERSION:
                return cls()
            return cls(
                observed={path: (int(v[0]), int(v[1])) for path, v in data["observed"].items()},
                taken={path: (int(v[0]), int(v[1])) for path, v in data["taken"].items()},
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return cls()


def track_stable_files(
    previous: StableState,
    current: Mapping[str, Observation],
    now_ns: int | None = None,
    settle_ns: int | None = None,
) -> tuple[list[str], StableState]:
    """Given the last look and this look, the files ready to take now and the state to keep.

    A file is ready when that exact (size, mtime) was not taken before and either it is the
    same as at the previous look, or (with `settle_ns`) its last change is at least
    `settle_ns` old at `now_ns`: a file copied in and left alone is taken at the first look
    after it settles, not two ticks later. A file being written keeps moving its mtime, so it
    is never taken mid-write unless the writer pauses longer than `settle_ns`; then the part
    read is rejected and the finished file, a new (size, mtime), is taken again.
    A file that changes after being taken is new again once stable. Files that disappeared
    are forgotten, so the cursor stays as small as the folder.
    """

    def settled(seen: Observation) -> bool:
        return settle_ns is not None and now_ns is not None and now_ns - seen[1] >= settle_ns

    ready = sorted(
        path
        for path, seen in current.items()
        if previous.taken.get(path) != seen and (previous.observed.get(path) == seen or settled(seen))
    )
    taken = {path: seen for path, seen in previous.taken.items() if current.get(path) == seen}
    taken.update({path: current[path] for path in ready})
    return ready, StableState(observed=dict(current), taken=taken)


def observe_file(path: Path) -> Observation | None:
    """One look at one file: (size, mtime_ns), or None when it is gone."""
    try:
        stat = path.lstat()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    return stat.st_size, stat.st_mtime_ns


def take_stable_files(
    previous: StableState,
    current: Mapping[str, Observation],
    settle_ns: int,
    observe: Callable[[str], Observation | None],
    max_wait_ns: int,
    clock: Callable[[], int] = time.time_ns,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], StableState]:
    """`track_stable_files` at this look, then the files changed less than `settle_ns` ago looked
    at again once they should have settled, within this call: one sleep, of the remaining settle
    time of the youngest (at most `max_wait_ns`). A file whose (size, mtime) is the same after
    the wait, and now `settle_ns` old, is taken too; one that changed meanwhile (still being
    written) is left for the next look, and so is one that would need a longer wait (an mtime
    in the future). Returns the files to take now and the state to keep, as track_stable_files.
    """
    now = clock()
    ready, state = track_stable_files(previous, current, now, settle_ns)
    remaining = {
        path: seen[1] + settle_ns - now
        for path, seen in current.items()
        if path not in state.taken and 0 < seen[1] + settle_ns - now <= max_wait_ns
    }
    if not remaining:
        return ready, state
    sleep(max(remaining.values()) / 1e9)
    later = clock()
    observed, taken, settled = dict(state.observed), dict(state.taken), []
    for path in remaining:
        again = observe(path)
        if again is None:  # gone meanwhile: forgotten, as track_stable_files forgets it
            observed.pop(path, None)
            continue
        observed[path] = again
        if again == current[path] and later - again[1] >= settle_ns:
            settled.append(path)
            taken[path] = again
    return sorted(ready + settled), StableState(observed=observed, taken=taken)


def batch_run_key(prefix: str, files: Iterable[tuple[str, Observation, str]]) -> str:
    """A run key for a batch of (relative path, (size, mtime_ns), sha256): the same file
    events give the same key, so Dagster never launches the same batch twice. Path and
    mtime are part of it because intake treats a re-dropped copy as a new arrival (its
    receipt says duplicate); only the identical event is deduplicated."""
    lines = sorted(f"{path}|{size}|{mtime}|{sha}" for path, (size, mtime), sha in files)
    # surrogateescape: a name that is not valid UTF-8 is hashed by its bytes, never an error.
    return f"{prefix}:{hashlib.sha256(chr(10).join(lines).encode('utf-8', 'surrogateescape')).hexdigest()}"


def listing_fingerprint(listing: Mapping[str, Observation]) -> str:
    """One hash of a folder listing (paths, sizes, mtimes); equal listings give equal hashes."""
    lines = sorted(f"{path}|{size}|{mtime}" for path, (size, mtime) in listing.items())
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def new_arrivals(
    listing: Mapping[str, Observation], known_events: Iterable[tuple[str, int, int]]
) -> dict[str, Observation]:
    """Files in `listing` (paths relative to the data dir) with no recorded file event of the
    same (path, size, mtime): what intake would still have to process."""
    known = set(known_events)
    return {path: seen for path, seen in listing.items() if (stored_name(path), seen[0], seen[1]) not in known}


def waiting_files(uploads_dir: Path, partners_dir: Path, data_dir: Path) -> dict[str, Observation]:
    """Everything intake would look at, keyed by path relative to the data dir (the form
    raw.file_events records): every file under raw/uploads/ and raw/partners/, at any depth."""
    listing: dict[str, Observation] = {}
    for folder in (uploads_dir, partners_dir):
        prefix = folder.relative_to(data_dir).as_posix()
        for path, seen in list_candidate_files(folder).items():
            listing[f"{prefix}/{path}"] = seen
    return listing


def waiting_kinds(settings: Settings) -> set[str]:
    """Kinds of file waiting in raw/ that intake has not processed yet (every waiting file
    counts while a run holds the warehouse)."""
    listing = waiting_files(settings.uploads_dir, settings.partners_dir, settings.data_dir)
    try:
        listing = new_arrivals(listing, recorded_file_events(settings.warehouse_path))
    except WarehouseBusyError:
        pass
    uploads = settings.uploads_dir.relative_to(settings.data_dir).as_posix() + "/"
    return {RETURN if path.startswith(uploads) else PARTNER for path in listing}
