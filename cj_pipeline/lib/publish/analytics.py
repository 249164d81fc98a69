"""Refresh the analysts' snapshot after a build: the new marts, the last release's tables.

Analysts never open the warehouse (it is the pipeline's alone: any DuckDB connection to it,
even read-only, keeps the pipeline out). They read published/snapshot/cj_analytics.duckdb,
which `refresh_snapshot` rewrites after every successful build, and publication rewrites
with the released tables (lib/publish/release.py). Each refresh is a new complete version
switched in by one rename (lib/publish/snapshot.py), so an open session keeps reading the
version it opened.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.publish import release, snapshot
from cj_pipeline.settings import Settings

UNPUBLISHED = "unpublished"  # release_info.release_id before the first publication


def _current_release(published_dir: Path) -> tuple[dict[str, pl.DataFrame], str, str | None]:
    """The published tables, release id and year of the current snapshot (none yet: empty)."""
    path = published_dir / snapshot.LINK_NAME / snapshot.SNAPSHOT_NAME
    if not path.exists():
        return {}, UNPUBLISHED, None
    with connect(path, read_only=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'published'"
            ).fetchall()
        ]
        info = (
            connection.execute("select release_id, financial_year from published.release_info").fetchall()[0]
            if "release_info" in names
            else None
        )
        tables = {name: connection.sql(f"select * from published.{name}").pl() for name in names}
    tables.pop("release_info", None)
    release_id, year = info if info else (UNPUBLISHED, None)
    return tables, release_id or UNPUBLISHED, year


def refresh_snapshot(settings: Settings) -> Path:
    """Write a new snapshot version from the warehouse's marts (keeping the current release's
    published tables) and make it current; returns the analysts' DuckDB path."""
    published_dir = settings.published_dir
    published_dir.mkdir(parents=True, exist_ok=True)
    release.recover(published_dir)  # a killed publish is finished or undone first
    previous = snapshot.current_version(published_dir)
    tables, release_id, year = _current_release(published_dir)
    version = snapshot.prepare_snapshot(settings.warehouse_path, published_dir, tables, release_id, year)
    snapshot.activate_snapshot(published_dir, version)
    snapshot.clean_versions(published_dir, {version, previous})
    return settings.snapshot_path
