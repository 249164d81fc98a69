"""DuckDB access used everywhere: one way to open a file, one way to read rows as dicts."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

# A writer that finds the file locked tries again for this long: a sensor or an analyst
# reading for a few milliseconds must not fail a run (DuckDB refuses a writer while another
# process reads). Longer holders are waited for, with a message, by writer_lock.wait_for_warehouse.
WRITER_RETRY_SECONDS = 5.0


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed: dbt (or the next run) needs the file lock next.

    A read-only connection never creates the folder or the file.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + WRITER_RETRY_SECONDS
    while True:
        try:
            connection = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if read_only or "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
    try:
        yield connection
    finally:
        connection.close()


def fetch_dicts(connection: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict = ()) -> list[dict]:
    """Rows of a query as dicts keyed by column name."""
    cursor = connection.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
