"""Crash safety of the dbt build: `cj-pipeline run` SIGKILLed (dbt runs inside it) at
seeded random points inside the dbt build, several times, then one clean run. No dbt
temporary relation or duplicated submission is left, every file is one file event, and
the clean run rebuilds what the killed runs had ingested (the build record only moves on
after a successful dbt build), with its dbt tests passing as checks.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.warehouse.build_plan import dbt_output_log
from tests.integration import crash
from tests.integration.test_crash_safety import _write_returns

pytestmark = pytest.mark.slow


def test_dbt_build_survives_sigkill_at_random_points(warehouse_copy, built_warehouse, capsys):
    settings, _ = warehouse_copy
    reference = crash.warehouse_state(settings.warehouse_path)
    assert reference["dbt_leftovers"] == [] and reference["duplicated_submissions"] == []
    dbt_seconds = crash.dbt_seconds(built_warehouse[2])
    dbt_log = dbt_output_log(settings)
    rng = random.Random(20240607)
    tally = {"kills": 0, "mid_dbt": 0, "left_dbt_relations": 0, "wal_left": 0}
    new_files: list[Path] = []
    started = time.monotonic()
    for i in range(3):
        new_files += _write_returns(settings.uploads_dir, 1, seed=10 + i, prefix=f"k{i}")  # so dbt runs
        since = crash.log_size(dbt_log)  # this run's dbt lines come after
        process = crash.start_cli("run", "--data-dir", str(settings.data_dir))
        # Killed once a seeded share of the build's nodes have finished (intake first, then
        # dbt starts): placed by dbt's progress, not by time, so a loaded machine moves it
        # with the build instead of past its end.
        share, deadline = rng.uniform(0.1, 0.6), time.monotonic() + 240
        while process.poll() is None and time.monotonic() < deadline:
            progress = crash.dbt_progress(dbt_log, since)
            if progress and progress[1] and progress[0] >= share * progress[1]:
                break
            time.sleep(0.02)
        tally["kills"] += crash.kill_group(process)
        mid_dbt = crash.dbt_running(dbt_log, since)  # read after the kill: what dbt had printed by then
        tally["mid_dbt"] += mid_dbt
        tally["wal_left"] += Path(str(settings.warehouse_path) + ".wal").exists()
        after = crash.warehouse_state(settings.warehouse_path)  # opens (WAL replayed)
        tally["left_dbt_relations"] += len(after["dbt_leftovers"])
        assert after["duplicated_submissions"] == []
    killed_seconds = time.monotonic() - started
    final = subprocess.run(
        [crash.CLI, "run", "--data-dir", str(settings.data_dir)],
        capture_output=True,
        text=True,
        env=crash.env(),
        timeout=900,
    )
    output = final.stdout + final.stderr
    assert final.returncode == 0, output[-4000:]
    with capsys.disabled():
        print(f"\ncrash safety (dbt): dbt step {dbt_seconds:.0f} s, {tally}, kills took {killed_seconds:.0f} s")
    assert tally["mid_dbt"] == 3  # every kill lands inside the dbt build
    healed = crash.warehouse_state(settings.warehouse_path)
    assert healed["dbt_leftovers"] == [] and healed["duplicated_submissions"] == []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        events = con.execute(
            "select relative_path, count(*) from raw.file_events where relative_path in "
            "(select unnest(?::varchar[])) group by 1",
            [[f"raw/uploads/{p.name}" for p in new_files]],
        ).fetchall()
    assert sorted(events) == sorted((f"raw/uploads/{p.name}", 1) for p in new_files)  # each file once
    # A killed dbt build never moved the build record on, so the next run rebuilds what the
    # killed runs had ingested (with their dbt tests as checks, which pass: returncode 0).
    assert "Ran refresh_after_returns" in output and "not built yet" in output, output[-4000:]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        latest = con.execute(
            "select submission_id from raw.submissions where original_name in (select unnest(?::varchar[]))",
            [[p.name for p in new_files]],
        ).fetchall()
        in_marts = con.execute(
            "select distinct submission_id from marts.fct_outcome_assessments where submission_id in "
            "(select unnest(?::varchar[]))",
            [[sid for (sid,) in latest]],
        ).fetchall()
    assert len(latest) == len(new_files) and sorted(in_marts) == sorted(latest)  # the marts hold every new return
    assert crash.read_build_state(settings).built_through["return"] == crash.max_arrival(settings)
