"""One writer at a time for the DuckDB warehouse, across processes (CLI runs), and no
writer while another program (an analyst's DuckDB session) has the file open.

DuckDB refuses a second process while one holds the file (docs/environment-notes.md), so two CLI
runs started together would have the second fail half-way with a cryptic IO error. Runs
launched by the Dagster daemon queue on the instance's concurrency pool instead; this
lock covers in-process runs (`cj-pipeline run`), which may use an ephemeral instance.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

LOCK_NAME = ".writer.lock"


class WarehouseBusyError(RuntimeError):
    """The warehouse is held by another run or program: it cannot be opened now (for writing
    after waiting as long as we were willing to, or for reading while a run writes it)."""


def lock_path_for(warehouse_path: Path) -> Path:
    return Path(warehouse_path).parent / LOCK_NAME


def _print_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def warehouse_writer_lock(
    lock_path: Path, timeout: float | None = None, on_wait: Callable[[str], None] = _print_waiting
) -> Iterator[None]:
    """Hold the writer lock for the body. If another process holds it, say so through
    `on_wait`, then wait: forever when `timeout` is None, else up to `timeout` seconds and
    raise `WarehouseBusyError` with a message saying what to do."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # thread_local=False: the lock belongs to the run, whichever thread releases it.
    lock = FileLock(str(lock_path), thread_local=False)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        limit = "until it finishes" if timeout is None else f"up to {timeout:g} s"
        on_wait(f"Another pipeline run is writing the warehouse (lock {lock_path}); waiting {limit}.")
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise WarehouseBusyError(
                f"The warehouse is still being written by another run after {timeout:g} s "
                f"(lock {lock_path}). Nothing was changed. Try again when that run has finished, "
                f"or raise CJ_WRITER_LOCK_TIMEOUT."
            ) from None
    try:
        yield
    finally:
        lock.release()


# DuckDB names the holder in its lock error: "... Conflicting lock is held in <program> (PID <n>) ..."
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def warehouse_holder(warehouse_path: Path) -> str | None:
    """Which other process holds the DuckDB file (e.g. 'PID 4242, /usr/bin/python3'), or
    None when a writer can open it now. Any DuckDB connection in another process, even a
    read-only one, keeps a writer out."""
    if not Path(warehouse_path).exists():
        return None
    try:
        duckdb.connect(str(warehouse_path)).close()
    except duckdb.Error as error:
        found = _HOLDER.search(str(error))
        if found:
            return f"PID {found['pid']}, {found['program']}"
        if "lock" in str(error).lower():
            return "another process"
        # Not held, but unreadable (truncated: "Could not read enough bytes", or not a DuckDB
        # file): whoever opens it next judges it (a run sets it aside and rebuilds it).
    return None


def wait_for_warehouse(
    warehouse_path: Path,
    timeout: float,
    on_wait: Callable[[str], None] = _print_waiting,
    poll: float = 0.5,
) -> None:
    """Return once no other process holds the warehouse file. While one does, say so once
    through `on_wait` and wait up to `timeout` seconds; then raise `WarehouseBusyError`
    with a plain message (who holds it, what to do)."""
    holder = warehouse_holder(warehouse_path)
    if holder is None:
        return
    on_wait(f"The warehouse is open in another program ({holder}); waiting up to {timeout:g} s for it to close it.")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        holder = warehouse_holder(warehouse_path)
        if holder is None:
            return
    raise WarehouseBusyError(
        f"Stopped: the warehouse {warehouse_path} is still open in another program ({holder}) after "
        f"{timeout:g} s. Nothing was changed. Close that program and run again (analysts query the "
        "snapshot, `cj-pipeline sql`, never the warehouse); CJ_LOCK_WAIT sets how long a run waits."
    )
