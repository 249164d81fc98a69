"""One writer at a time for the DuckDB warehouse, across processes (CLI runs).

DuckDB refuses a second process while one holds the file (docs/environment-notes.md), so two CLI
runs started together would have the second fail half-way with a cryptic IO error. Runs
launched by the Dagster daemon queue on the instance's concurrency pool instead; this
lock covers in-process runs (`cj-pipeline run`), which may use an ephemeral instance.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".writer.lock"


class WarehouseBusyError(RuntimeError):
    """Another run kept the warehouse for longer than we were willing to wait."""


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
