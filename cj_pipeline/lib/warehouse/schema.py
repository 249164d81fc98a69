"""The raw layer of the DuckDB warehouse: append-only tables written by intake.

dbt reads these as sources; nothing here is ever updated or deleted. Which
value is current (supersession) is decided in dbt staging from arrival order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.returns.layout import RETURN_RAW_TABLES
from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError

# Table name -> column definitions. New raw tables are added here and nowhere else.
RAW_TABLES: dict[str, str] = {
    "file_events": """
        event_id VARCHAR PRIMARY KEY,
        sha256 VARCHAR NOT NULL,
        relative_path VARCHAR NOT NULL,
        original_name VARCHAR NOT NULL,
        folder VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        mtime_ns BIGINT NOT NULL,
        received_at TIMESTAMP NOT NULL,
        kind VARCHAR NOT NULL,
        source VARCHAR,
        outcome VARCHAR NOT NULL,
        submission_id VARCHAR,
        receipt_json VARCHAR NOT NULL
    """,
    "submissions": """
        submission_id VARCHAR PRIMARY KEY,
        sha256 VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        source VARCHAR,
        original_name VARCHAR NOT NULL,
        folder VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL,
        arrival_seq BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        area_code VARCHAR,
        financial_year VARCHAR,
        error_count INTEGER NOT NULL,
        warning_count INTEGER NOT NULL
    """,
    "issues": """
        submission_id VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        sheet VARCHAR,
        cell VARCHAR,
        value VARCHAR,
        message VARCHAR NOT NULL,
        guidance VARCHAR NOT NULL
    """,
    "partner_values": """
        submission_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        value DOUBLE,
        marker VARCHAR,
        sheet VARCHAR NOT NULL,
        cell VARCHAR NOT NULL,
        raw_value VARCHAR,
        recipe VARCHAR
    """,
    **RETURN_RAW_TABLES,
    # What an accepted submission changed against the version it replaces (lib/intake/changes.py):
    # a corrected return cell by cell, a partner file's revised values.
    "change_reports": """
        submission_id VARCHAR NOT NULL,
        replaces_submission_id VARCHAR,
        sheet VARCHAR,
        cell VARCHAR,
        field VARCHAR NOT NULL,
        item_id VARCHAR,
        area_code VARCHAR,
        financial_year VARCHAR,
        before_value VARCHAR,
        after_value VARCHAR,
        difference DOUBLE
    """,
    # One row per publication attempt (cj_pipeline/lib/quality/gate.py): who, when, why, outcome.
    "publication_audit": """
        release_id VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        published_at TIMESTAMP NOT NULL,
        published_by VARCHAR NOT NULL,
        override_reason VARCHAR,
        overridden_checks VARCHAR NOT NULL,
        warnings VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL
    """,
}


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create what raw lacks; changes nothing when it is complete (every run asks). The
    catalogue is read once: a CREATE ... IF NOT EXISTS and a column query per table took
    about 0.1 s a run."""
    existing: dict[str, set[str]] = {}
    for table, column in connection.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'raw'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    if not existing:
        connection.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in RAW_TABLES.items():
        if table not in existing:
            connection.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({columns})")
            continue
        # A warehouse made before a column was added gets it (nullable, at the end).
        for line in columns.strip().splitlines():
            definition = line.strip().rstrip(",")
            name = definition.split()[0]
            if name not in existing[table] and "NOT NULL" not in definition and "PRIMARY KEY" not in definition:
                connection.execute(f"ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS {definition}")


def insert_rows(connection: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict]) -> None:
    """Insert dict rows into raw.<table> by column name (missing keys become NULL)."""
    if not rows:
        return
    columns = raw_columns(table)
    # One Arrow batch instead of executemany: row-by-row inserts are slow in DuckDB. Built
    # column by column: a dict per row for from_pylist took 5x as long.
    incoming = pa.Table.from_pydict({column: [row.get(column) for row in rows] for column in columns})
    connection.register("incoming_rows", incoming)
    try:
        names = ", ".join(columns)
        connection.execute(f"INSERT INTO raw.{table} ({names}) SELECT {names} FROM incoming_rows")
    finally:
        connection.unregister("incoming_rows")


def raw_columns(table: str) -> list[str]:
    return [line.split()[0] for line in RAW_TABLES[table].strip().splitlines()]


def recorded_file_events(warehouse_path: Path) -> set[tuple[str, int, int]]:
    """(relative_path, size, mtime_ns) of every file event intake has processed; empty
    before the first run. Raises WarehouseBusyError while a run holds the file."""
    if not Path(warehouse_path).exists():
        return set()
    try:
        with connect(Path(warehouse_path), read_only=True) as connection:
            exists = connection.execute(
                "select 1 from information_schema.tables where table_schema = 'raw' and table_name = 'file_events'"
            ).fetchall()
            if not exists:
                return set()
            rows = connection.execute("select relative_path, size_bytes, mtime_ns from raw.file_events").fetchall()
    except duckdb.IOException as error:
        raise WarehouseBusyError(str(error)) from error
    return {(path, int(size), int(mtime)) for path, size, mtime in rows}
