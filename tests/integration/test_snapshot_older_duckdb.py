"""The analysts' snapshot opens in an older DuckDB (1.1), with the same answers as the new one.

Analysts' clients lag the newest DuckDB (the CLI, DBeaver's driver, R's duckdb from CRAN), and
a file in the newest storage format is refused by all of them. The snapshot is written by the
real publication code (release.load -> controlled_tables -> snapshot.prepare_snapshot) from the
shared built warehouse, then read by a pinned duckdb 1.1 wheel in a separate virtual
environment (installed with uv from its cache into .venv/, once) and by the installed DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.publish import release, snapshot

OLD_DUCKDB = "1.1.3"
ROOT = Path(__file__).resolve().parents[2]
OLD_ENV = ROOT / ".venv" / f"duckdb-{OLD_DUCKDB}"
YEAR = "2023-24"

# Run by the old interpreter: every query's rows as JSON (str() for what JSON has no type for).
READER = r"""
import json, sys
import duckdb
path, queries = sys.argv[1], json.loads(sys.stdin.read())
con = duckdb.connect(path, read_only=True)
out = {"version": duckdb.__version__, "answers": [con.execute(q).fetchall() for q in queries]}
print(json.dumps(out, default=str))
"""


def _install_old_duckdb() -> Path:
    """A venv with the pinned old duckdb wheel, made once (atomically) and kept in .venv/."""
    python = OLD_ENV / "bin" / "python"
    if python.exists():
        return python
    uv = ROOT / ".venv" / "bin" / "uv"
    tmp = OLD_ENV.with_name(f".{OLD_ENV.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, tmp], check=True, capture_output=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", tmp / "bin" / "python", f"duckdb=={OLD_DUCKDB}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        message = f"could not install duckdb=={OLD_DUCKDB} with uv: {error.stderr}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        os.rename(tmp, OLD_ENV)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return python


@pytest.fixture(scope="session")
def old_duckdb_python() -> Path:
    return _install_old_duckdb()


@pytest.fixture(scope="module")
def snapshot_path(built_warehouse, tmp_path_factory) -> Path:
    settings, _, _ = built_warehouse
    published_dir = tmp_path_factory.mktemp("old_duckdb") / "published"
    tables, _ = release.controlled_tables(release.load(settings, YEAR))
    version = snapshot.prepare_snapshot(settings.warehouse_path, published_dir, tables, "old-duckdb-1", YEAR)
    return snapshot.versions_dir(published_dir) / version / snapshot.SNAPSHOT_NAME


def _queries(path: Path) -> list[str]:
    """Every table of the snapshot in full, in a fixed order; time zones written as text."""
    con = duckdb.connect(str(path), read_only=True)
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, dtype in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema in ('marts', 'published') order by table_schema, table_name, ordinal_position"
    ).fetchall():
        columns.setdefault((schema, table), []).append(
            f'"{column}"::varchar' if "TIME ZONE" in dtype else f'"{column}"'
        )
    con.close()
    return [f"select {', '.join(cols)} from {s}.{t} order by all" for (s, t), cols in columns.items()]


def test_snapshot_is_written_in_an_older_storage_format(snapshot_path):
    con = duckdb.connect()
    try:
        con.execute(f"attach '{snapshot_path}' as snap (read_only)")
        tags = con.execute("select tags from duckdb_databases() where database_name = 'snap'").fetchone()[0]
    finally:
        con.close()
    # DuckDB tags a database with the oldest version that can read it.
    assert tags.get("storage_version", "").startswith(("v1.0", "v1.1")), tags


def test_old_duckdb_reads_the_snapshot_with_the_same_answers(snapshot_path, old_duckdb_python):
    queries = _queries(snapshot_path)
    names = " ".join(queries)
    for table in ("marts.fct_indicator_values", "published.indicator_values", "published.release_info"):
        assert f"from {table} " in names
    result = subprocess.run(
        [old_duckdb_python, "-c", READER, snapshot_path],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    old = json.loads(result.stdout)
    assert old["version"] == OLD_DUCKDB
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        new = [json.loads(json.dumps(con.execute(q).fetchall(), default=str)) for q in queries]
    finally:
        con.close()
    for query, old_rows, new_rows in zip(queries, old["answers"], new, strict=True):
        assert old_rows == new_rows, query
    counts = {q.split(" from ")[1].split(" ")[0]: len(rows) for q, rows in zip(queries, new, strict=True)}
    assert counts["published.indicator_values"] > 1000 and counts["marts.fct_benchmark"] > 1000, counts
    assert new[queries.index(next(q for q in queries if "release_info" in q))][0][0] == "old-duckdb-1"
