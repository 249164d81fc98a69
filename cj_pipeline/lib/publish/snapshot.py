"""The read-only analytics snapshot: published/snapshot/cj_analytics.duckdb + Parquet.

For CJS analysts (the same audience as the warehouse): the marts with true values in
schema `marts`, and the disclosure-controlled tables of the latest release in schema
`published`. Written to a temporary name in the same folder and swapped in with
os.replace, so a reader holding the old file open keeps reading the old data and new
connections see the new file. Parquet files are swapped the same way, one by one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
import polars as pl

MART_TABLES = (
    "fct_indicator_values",
    "fct_indicator_trends",
    "fct_benchmark",
    "fct_evidence_completeness",
    "fct_outcome_assessments",
    "fct_local_outcomes",
    "dim_area",
    "dim_indicator",
)
SNAPSHOT_NAME = "cj_analytics.duckdb"


def write_snapshot(warehouse_path: Path, snapshot_dir: Path, published: dict[str, pl.DataFrame]) -> Path:
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    tmp_db = snapshot_dir / f".{SNAPSHOT_NAME}.{token}.tmp"
    target = snapshot_dir / SNAPSHOT_NAME
    parquet_dir = snapshot_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    try:
        con = duckdb.connect(str(tmp_db))
        try:
            con.execute(f"ATTACH '{warehouse_path}' AS wh (READ_ONLY)")
            con.execute("CREATE SCHEMA marts")
            con.execute("CREATE SCHEMA published")
            existing = {
                row[0]
                for row in con.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_catalog = 'wh' AND table_schema = 'marts'"
                ).fetchall()
            }
            for table in MART_TABLES:
                if table in existing:
                    con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM wh.marts.{table}")
            for name, frame in published.items():
                con.register("frame_in", frame.to_arrow())
                con.execute(f"CREATE TABLE published.{name} AS SELECT * FROM frame_in")
                con.unregister("frame_in")
            con.execute("DETACH wh")
            for table in MART_TABLES:
                if table in existing:
                    tmp_pq = parquet_dir / f".{table}.{token}.tmp"
                    con.execute(f"COPY marts.{table} TO '{tmp_pq}' (FORMAT parquet)")
                    os.replace(tmp_pq, parquet_dir / f"{table}.parquet")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp_db, target)
    finally:
        for leftover in (tmp_db, Path(str(tmp_db) + ".wal")):
            if leftover.exists():
                leftover.unlink()
    return target
