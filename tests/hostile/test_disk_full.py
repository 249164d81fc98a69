"""Disk full where a person reads: one plain line naming the folder, exit 1, no traceback,
nothing half-written, and a rerun after space is freed completes.

Two ways: the archive write patched to raise OSError(ENOSPC) (fast, in process); and a real
full disk, a tmpfs mounted in a private mount namespace (`unshare -Urm`, no root needed where
the kernel allows user namespaces) as the data folder, filled to the last byte, with the real
CLI run on it (tests/hostile/disk_full_driver.py): the dbt build, intake and publish.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.lib.core.disk import is_disk_full
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.intake.discovery import discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.settings import get_settings
from tests.fixtures.make_fixtures import AREA, YEAR, complete_content

ROOT = Path(__file__).resolve().parents[2]


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_during_intake_is_one_paragraph_and_loses_nothing(tmp_path, monkeypatch):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    (settings.uploads_dir / "r.xlsx").write_bytes(b"bytes")
    monkeypatch.setattr(archive, "store_objects", _enospc)
    monkeypatch.setattr(
        "cj_pipeline.runner.run_build",
        lambda s, full=False: ingest_pending(s, discover_upload_files(s)),
    )
    result = CliRunner().invoke(cli.app, ["run", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "disk holding" in result.output and "again" in result.output
    assert (settings.uploads_dir / "r.xlsx").exists()  # still waiting: nothing lost


def test_a_step_that_failed_for_a_full_disk_is_recognised():
    cause = SimpleNamespace(message="OSError: [Errno 28] No space left on device", cause=None, context=None)
    error = SimpleNamespace(message="dbt build failed", cause=cause, context=None)
    event = SimpleNamespace(step_failure_data=SimpleNamespace(error=error))
    assert is_disk_full(cli._failure_text(event))
    wrapped = RuntimeError("commit failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    assert is_disk_full(wrapped) and not is_disk_full(RuntimeError("other"))


def _unshare() -> str | None:
    """`unshare` when this machine lets a user mount a tmpfs in a private namespace."""
    tool = shutil.which("unshare")
    if tool is None:
        return None
    probe = subprocess.run([tool, "-Urm", "true"], capture_output=True)
    return tool if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def on_a_full_disk(built_warehouse, tmp_path_factory):
    """The real CLI on a real full disk (tests/hostile/disk_full_driver.py): `run --full`, `run`
    with a return waiting, `run` after space is freed, `publish`, `publish` after space is freed."""
    tool = _unshare()
    if tool is None:
        pytest.skip("this machine does not allow a private mount namespace (unshare -Urm), so no tmpfs")
    settings, _, _ = built_warehouse
    root = tmp_path_factory.mktemp("full_disk")
    (root / "mount").mkdir()
    upload = write_template(root / AREA / "fife_2023-24_corrected.xlsx", AREA, YEAR, complete_content())
    out = root / "results.json"
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "CJ_LOCK_WAIT": "5"}
    command = [tool, "-Urm", sys.executable, "-m", "tests.hostile.disk_full_driver"]
    args = [str(settings.data_dir), str(root / "mount"), str(upload), YEAR, str(out)]
    done = subprocess.run(command + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    results["dbt"]["failed_steps"] = _failed_steps(root / "dagster_home", results["dbt"]["ran"])
    return results


def _failed_steps(home: Path, ran: list[float]) -> list[str]:
    """The steps that failed in the runs a CLI step started between ran[0] and ran[1]."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = [r.dagster_run.run_id for r in instance.get_run_records() if ran[0] <= (r.start_time or 0) <= ran[1]]
        failures = [
            record.event_log_entry.step_key
            for run_id in runs
            for record in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
        ]
    assert runs, f"no run started between {ran}"
    return sorted(set(failures))


def _one_plain_line(step: dict) -> None:
    assert step["rc"] == 1, step["out"]
    assert "Traceback" not in step["out"] and 'File "' not in step["out"], step["out"]
    said = [line for line in step["out"].splitlines() if "is full" in line]
    assert len(said) == 1 and "/data" in said[0], step["out"]


@pytest.mark.slow
def test_a_full_disk_stops_the_dbt_build_with_one_plain_line(on_a_full_disk):
    _one_plain_line(on_a_full_disk["dbt"])
    assert any("dbt" in step for step in on_a_full_disk["dbt"]["failed_steps"])  # the build itself hit it


@pytest.mark.slow
def test_a_full_disk_stops_intake_with_one_plain_line_and_no_temporary(on_a_full_disk):
    step = on_a_full_disk["intake"]
    _one_plain_line(step)
    assert step["temporaries"] == [] and step["waiting"]  # nothing half-written, nothing lost


@pytest.mark.slow
def test_after_space_is_freed_the_run_completes_and_sweeps_stale_temporaries(on_a_full_disk):
    step = on_a_full_disk["rerun"]
    assert step["rc"] == 0 and "1 accepted" in step["out"], step["out"]
    assert step["temporaries"] == []  # the stale one of a dead process is swept


@pytest.mark.slow
def test_a_full_disk_stops_publish_with_one_plain_line_and_publish_then_completes(on_a_full_disk):
    _one_plain_line(on_a_full_disk["publish"])
    assert on_a_full_disk["publish"]["hidden"] == []  # no half-built release folder left
    again = on_a_full_disk["republish"]
    assert again["rc"] == 0 and "PUBLISHED" in again["out"] and again["release"], again["out"]


def test_sweep_removes_only_temporaries_of_dead_processes(tmp_path):
    objects = tmp_path / "objects" / "ab"
    objects.mkdir(parents=True)
    dead = objects / f".{'ab' * 32}.4194303.tmp"  # above pid_max: no live process
    live = objects / f".{'ab' * 32}.{os.getpid()}.tmp"  # being written by a live process
    finished = objects / ("ab" * 32)
    for path in (dead, live, finished):
        path.write_bytes(b"x")
    assert archive.sweep_temporaries(tmp_path) == [dead]
    assert live.exists() and finished.exists() and not dead.exists()


def test_a_failed_archive_write_leaves_no_temporary(tmp_path, monkeypatch):
    def full_disk_fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk_fsync)
    with pytest.raises(OSError):
        archive.store_object(tmp_path, b"bytes", "cd" * 32)
    assert not list((tmp_path / "objects").rglob("*"))[1:]  # only the folder itself
