"""A newcomer's first hour, with the real parts: the CLI at 80 columns, a subprocess run
while DuckDB is held by another process. The demo and the UI publishing a year of its data
are in test_first_hour_demo.py: a module of its own, so it needs no shared build and starts
at once beside the module that builds it (tests/conftest.py orders the modules)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.cli import app
from cj_pipeline.lib.core.seeds import area_names
from tests.integration.servers import VENV_BIN

CLI = str(VENV_BIN / "cj-pipeline")


def _cli_env(dagster_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "CJ_DATA_DIR")}
    env.update(DAGSTER_HOME=str(dagster_home), COLUMNS="80", **extra)
    return env


def test_chase_text_names_every_area_whole(built_warehouse, monkeypatch):
    settings, truth, _ = built_warehouse
    monkeypatch.setattr(cli.console, "width", 80)
    year = truth.years[-1]
    result = CliRunner().invoke(app, ["chase", "--year", year, "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines), result.output
    chased = [code for code, y in truth.missing_returns if y == year]
    chased += [code for (code, y), c in truth.returns.items() if y == year and "Not known" in str(c.evidence)]
    assert chased
    for code in chased:  # the whole name and code on one line: found by a search
        assert any(f"{area_names()[code]} ({code})" in line for line in lines), (code, result.output)


def test_run_lists_each_new_file_with_its_receipt_and_a_duplicate_as_duplicate(warehouse_copy, tmp_path, monkeypatch):
    settings, truth = warehouse_copy
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setattr(cli.console, "width", 80)
    original = truth.return_files[0]
    copy = settings.uploads_dir / f"{original.stem} (again){original.suffix}"
    shutil.copy(original, copy)
    result = CliRunner().invoke(app, ["run", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (status_line,) = [line for line in lines if copy.name in line]
    assert status_line.split()[0] == "duplicate"
    receipt = lines[lines.index(status_line) + 1].split("receipt ", 1)[1].strip()
    assert (settings.data_dir / receipt).exists() and "DUPLICATE" in (settings.data_dir / receipt).read_text()
    processed = len(truth.return_files)  # a refresh after returns looks at returns only
    assert lines[-1].startswith(f"1 new file(s): 0 accepted, 0 rejected, 1 duplicate; {processed} already processed.")
    assert not any("already processed" in line and ".xlsx" in line for line in lines)  # counted, not listed


def test_a_reader_holding_the_warehouse_makes_a_run_wait_then_stop_plainly(warehouse_copy, tmp_path):
    settings, _ = warehouse_copy
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); "
            "time.sleep(300)",
            str(settings.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        started = time.monotonic()
        run = subprocess.run(
            [CLI, "run", "--data-dir", str(settings.data_dir)],
            capture_output=True,
            text=True,
            env=_cli_env(tmp_path / "dagster_home", CJ_LOCK_WAIT="3"),
            timeout=300,
        )
        waited = time.monotonic() - started
    finally:
        reader.kill()
        reader.wait()
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output, output
    waiting = [line for line in run.stderr.splitlines() if "waiting up to 3 s" in line]
    assert len(waiting) == 1 and f"PID {reader.pid}" in waiting[0], output
    assert "Stopped: the warehouse" in output and "Nothing was changed" in output, output
    assert waited >= 3
