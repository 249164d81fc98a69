"""The read-only analytics snapshot: published/snapshot/cj_analytics.duckdb + Parquet.

For CJS analysts (the same audience as the warehouse): the marts with true values in
schema `marts`, and the disclosure-controlled tables of the latest release in schema
`published`, plus `published.release_info` (release id, financial year, version).

Layout: each snapshot is a complete version folder published/.snapshots/<version>/
(cj_analytics.duckdb, parquet/<mart>.parquet, snapshot.json), and published/snapshot is
a relative symlink to the current one. A version is written under a temporary name,
stamped (snapshot.json written last, listing its files and the release id; every Parquet
file also carries the release id in its key-value metadata) and renamed into place; only
then is the link swapped, in one rename (atomic.replace_symlink). So the analyst paths
published/snapshot/cj_analytics.duckdb and published/snapshot/parquet/<mart>.parquet
always lead to one whole version: the old one or the new one, never a mixture. A reader
that opened the old DuckDB file keeps reading it: the previous version is kept until the
next publish, and on Linux an open file stays readable after it is removed. (A reader
that wants several Parquet files of one version should resolve the link once:
os.path.realpath("published/snapshot").)

An existing real published/snapshot folder from older releases is moved to a version
folder `legacy-<token>` and linked (`migrate_legacy`). If a kill leaves no link at all
(between that move and the link), `repair_link` points it at the newest complete version.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import duckdb
import polars as pl

from cj_pipeline.lib.core.atomic import fsync_tree, replace_symlink

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
# The storage format the snapshot is written in: analysts' clients (the DuckDB CLI, DBeaver's
# bundled driver, R's duckdb from CRAN, older Python environments) lag the newest DuckDB, and a
# file in the newest format is refused by every older reader. DuckDB writes a new database in
# the format of the version named here (its setting storage_compatibility_version, the same as
# ATTACH ... (STORAGE_VERSION ...)): DuckDB 1.1 and every later version read it.
STORAGE_VERSION = "v1.1.0"
LINK_NAME = "snapshot"
VERSIONS_DIR = ".snapshots"
STAMP = "snapshot.json"


def versions_dir(published_dir: Path) -> Path:
    return published_dir / VERSIONS_DIR


def read_stamp(version_dir: Path) -> dict | None:
    """The stamp of a complete version folder, or None (incomplete, temporary or absent)."""
    if version_dir.name.startswith("."):
        return None
    try:
        return json.loads((version_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def current_version(published_dir: Path) -> str | None:
    """The version the link points at (None if there is no link)."""
    link = published_dir / LINK_NAME
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def prepare_snapshot(
    warehouse_path: Path,
    published_dir: Path,
    published: dict[str, pl.DataFrame],
    release_id: str,
    financial_year: str | None,
) -> str:
    """Write a complete, stamped version folder (not yet current); return its name."""
    root = versions_dir(published_dir)
    root.mkdir(parents=True, exist_ok=True)
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(release_id))[:80]
    version = f"{safe_id}.{uuid.uuid4().hex[:8]}"
    tmp = root / f".{version}.tmp"
    tmp.mkdir()
    try:
        created_at = time.time()
        parquet_dir = tmp / "parquet"
        parquet_dir.mkdir()
        con = duckdb.connect(str(tmp / SNAPSHOT_NAME), config={"storage_compatibility_version": STORAGE_VERSION})
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
            tables = [t for t in MART_TABLES if t in existing]
            for table in tables:
                con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM wh.marts.{table}")
            for name, frame in published.items():
                con.register("frame_in", frame.to_arrow())
                con.execute(f"CREATE TABLE published.{name} AS SELECT * FROM frame_in")
                con.unregister("frame_in")
            con.execute("DETACH wh")
            con.execute(
                "CREATE TABLE published.release_info AS SELECT ?::VARCHAR AS release_id, "
                "?::VARCHAR AS financial_year, ?::VARCHAR AS snapshot_version, to_timestamp(?) AS created_at",
                [str(release_id), financial_year, version, created_at],
            )
            quoted = str(release_id).replace("'", "''")
            for table in tables:
                con.execute(
                    f"COPY marts.{table} TO '{parquet_dir / f'{table}.parquet'}' "
                    f"(FORMAT parquet, KV_METADATA {{release_id: '{quoted}'}})"
                )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = tmp / f"{SNAPSHOT_NAME}.wal"
        if wal.exists():
            wal.unlink()
        stamp = {
            "release_id": str(release_id),
            "financial_year": financial_year,
            "version": version,
            "created_at": created_at,
            "files": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()),
        }
        (tmp / STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        fsync_tree(tmp)
        os.rename(tmp, root / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return version


def activate_snapshot(published_dir: Path, version: str) -> str | None:
    """Make `version` current in one rename; return the version that was current."""
    if read_stamp(versions_dir(published_dir) / version) is None:
        raise FileNotFoundError(f"snapshot version {version} is missing or incomplete")
    migrate_legacy(published_dir)
    previous = current_version(published_dir)
    replace_symlink(published_dir / LINK_NAME, f"{VERSIONS_DIR}/{version}")
    return previous


def migrate_legacy(published_dir: Path) -> None:
    """A real published/snapshot folder (older releases) becomes a stamped version, linked."""
    link = published_dir / LINK_NAME
    if link.is_symlink() or not link.exists():
        repair_link(published_dir)
        return
    root = versions_dir(published_dir)
    root.mkdir(parents=True, exist_ok=True)
    version = f"legacy-{uuid.uuid4().hex[:8]}"
    stamp = {
        "release_id": None,
        "financial_year": None,
        "version": version,
        "created_at": 0.0,
        "files": sorted(str(p.relative_to(link)) for p in link.rglob("*") if p.is_file()),
    }
    (link / STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    os.rename(link, root / version)  # a kill here leaves no link: repair_link restores it
    replace_symlink(link, f"{VERSIONS_DIR}/{version}")


def repair_link(published_dir: Path) -> None:
    """No link (or a dangling one) but complete versions exist: link the newest."""
    link = published_dir / LINK_NAME
    if link.exists():
        return
    stamps = [s for p in sorted(versions_dir(published_dir).glob("*")) if (s := read_stamp(p))]
    if stamps:
        newest = max(stamps, key=lambda s: (s.get("created_at") or 0.0, s["version"]))
        replace_symlink(link, f"{VERSIONS_DIR}/{newest['version']}")


def clean_versions(published_dir: Path, keep: set[str | None]) -> None:
    """Remove every version folder and temporary folder except `keep` and the current one."""
    keep = {k for k in keep if k} | {current_version(published_dir)}
    root = versions_dir(published_dir)
    for path in root.glob("*") if root.exists() else ():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for stray in published_dir.glob(f".{LINK_NAME}.*.lnk"):
        stray.unlink(missing_ok=True)
