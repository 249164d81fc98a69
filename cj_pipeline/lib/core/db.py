"""DuckDB access used everywhere: one way to open a file, one way to read rows as dicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed: dbt (or the next run) needs the file lock next.

    A read-only connection never creates the folder or the file.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def fetch_dicts(connection: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict = ()) -> list[dict]:
    """Rows of a query as dicts keyed by column name."""
    cursor = connection.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
