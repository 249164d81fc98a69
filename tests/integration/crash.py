"""Helpers shared by the SIGKILL tests of the dbt build and of publish (not a test module)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from cj_pipeline.lib.warehouse.build_plan import read_build_state  # noqa: F401 - re-exported for the tests

CLI = str(Path(sys.executable).parent / "cj-pipeline")
PUBLISH_YEAR = "2024-25"
OVERRIDE = "crash-safety test: sample data"


def env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # ephemeral Dagster instance
    env["CJ_WRITER_LOCK_TIMEOUT"] = "120"
    return env


def start_cli(*args: str) -> subprocess.Popen:
    # Output to DEVNULL: a PIPE nobody reads fills up and stalls the run (dbt logs a lot).
    return subprocess.Popen(
        [CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(), start_new_session=True
    )


def session_commands(sid: int) -> list[str]:
    """Command lines of every live process in session `sid` (the CLI and any helper it started)."""
    commands = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                commands.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError, IndexError):
            continue
    return commands


def log_size(path: Path) -> int:
    """Where a log ends now: what a process started next writes comes after it."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _dbt_lines_since(dbt_output_log: Path, offset: int) -> str:
    """The dbt output log from `offset` on (a killed run's dbt never prints "Finished
    running": only what the run started after `offset` wrote may count)."""
    try:
        with dbt_output_log.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _running_dbt_lines(dbt_output_log: Path, since: int) -> str | None:
    """The lines of the dbt command written after `since` that has started and not finished,
    from its "Running with dbt=..." on; None when there is none. dbt runs inside the run's own
    process and its console lines are written to the log line by line ("Finished running ..."
    when the nodes are done)."""
    text = _dbt_lines_since(dbt_output_log, since)
    started = text.rfind("Running with dbt=")
    return text[started:] if started > text.rfind("Finished running") else None


def dbt_running(dbt_output_log: Path, since: int = 0) -> bool:
    """A dbt command written to the log after `since` has started and not finished."""
    return _running_dbt_lines(dbt_output_log, since) is not None


_NODE_LINE = re.compile(r"^\d+ of (\d+) (START)?", re.MULTILINE)


def dbt_progress(dbt_output_log: Path, since: int = 0) -> tuple[int, int] | None:
    """(nodes finished, nodes in all) of the dbt command running now (written after `since`),
    from its lines ("3 of 40 START ...", then "3 of 40 OK ..."); None when none is running.
    A kill placed by progress lands inside dbt however loaded the machine is."""
    text = _running_dbt_lines(dbt_output_log, since)
    if text is None:
        return None
    lines = _NODE_LINE.findall(text)
    finished = sum(1 for _, start in lines if not start)
    return finished, int(lines[0][0]) if lines else 0


def kill_group(process: subprocess.Popen) -> bool:
    """SIGKILL the whole process group; True if it was still running. Waits until none is left."""
    alive = process.poll() is None
    if alive:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 30
    while session_commands(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not session_commands(process.pid), "a child of the killed run survived"
    return alive


def warehouse_state(path: Path) -> dict:
    """Row count and an order-independent content hash of every marts table, raw.submissions
    and raw.file_events, and any dbt temporary/backup relation left behind."""
    with duckdb.connect(str(path), read_only=True) as con:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        state = {"tables": {}}
        for table in [f"marts.{t}" for t in marts] + ["raw.submissions", "raw.file_events"]:
            state["tables"][table] = con.execute(
                f"select count(*), coalesce(sum(hash(t)), 0) from {table} t"
            ).fetchall()[0]
        state["dbt_leftovers"] = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like '%__dbt_tmp%' or table_name like '%__dbt_backup%'"
        ).fetchall()
        state["duplicated_submissions"] = con.execute(
            "select sha256, kind, count(*) from raw.submissions group by 1, 2 having count(*) > 1"
        ).fetchall()
    return state


def dbt_seconds(record) -> float:
    """How long the dbt step of the reference build took (to scale the random kill points)."""
    for event in record.all_events:
        if event.step_key and "dbt" in event.step_key and event.event_type_value == "STEP_SUCCESS":
            return event.event_specific_data.duration_ms / 1000
    return 30.0


def max_arrival(settings) -> int:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute("select max(arrival_seq) from raw.submissions where kind = 'return'").fetchall()[0][0]


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def check_published(published: Path, release_a: str) -> dict:
    """published/<FY> is release A or a complete newer one; the snapshot is wholly one release."""
    target = published / PUBLISH_YEAR
    assert target.is_dir() and not target.is_symlink()
    manifest = json.loads((target / "release.json").read_text())
    assert manifest["financial_year"] == PUBLISH_YEAR
    assert set(manifest["files"]) == files_under(target) - {"release.json"}  # exactly the listed files
    link = published / "snapshot"
    assert link.is_symlink()
    version_dir = Path(os.path.realpath(link))
    stamp = json.loads((version_dir / "snapshot.json").read_text())
    assert set(stamp["files"]) == files_under(version_dir) - {"snapshot.json"}
    # Through the analyst paths: the DuckDB file and every Parquet file carry the same release id.
    with duckdb.connect(str(link / "cj_analytics.duckdb"), read_only=True) as con:
        info = con.execute("select release_id, financial_year, snapshot_version from published.release_info").fetchall()
        counts = {
            t: con.execute(f"select count(*) from marts.{t}").fetchall()[0][0]
            for t in [p.stem for p in (link / "parquet").glob("*.parquet")]
        }
    assert info == [(stamp["release_id"], PUBLISH_YEAR, stamp["version"])]
    with duckdb.connect() as con:
        for table, count in counts.items():
            parquet = str(link / "parquet" / f"{table}.parquet")
            kv = con.execute("select key::varchar, value::varchar from parquet_kv_metadata(?)", [parquet]).fetchall()
            assert ("release_id", stamp["release_id"]) in kv, table
            assert con.execute("select count(*) from read_parquet(?)", [parquet]).fetchall()[0][0] == count, table
    assert len(counts) == 8
    intent = published / ".publish-intent.json"
    if stamp["release_id"] != manifest["release_id"]:
        # Killed after the folder swap, before the snapshot switch: the intent says so and the
        # next publish rolls the snapshot forward first.
        assert intent.exists() and json.loads(intent.read_text())["release_id"] == manifest["release_id"]
    return {"release": manifest["release_id"], "snapshot": stamp["release_id"], "version": stamp["version"]}
