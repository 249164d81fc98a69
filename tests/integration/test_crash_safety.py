"""Crash safety of intake: SIGKILL at random (seeded) points, then run to completion.

After any number of kills and one clean run: the archive holds every file exactly once
(objects named by sha256, content matching the name), raw.submissions has no duplicate
sha256 per kind, every file has exactly one file event and a receipt, nothing is lost.
Also: returns dropped while an intake run is in progress are each one submission later.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.seeds import local_authorities
from cj_pipeline.lib.demo.sample_data import _return_content
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.settings import get_settings

pytestmark = pytest.mark.slow

INTAKE = (
    "import sys; from cj_pipeline.lib.intake.discovery import discover_upload_files; "
    "from cj_pipeline.lib.intake.run import ingest_pending; "
    "from cj_pipeline.settings import get_settings; s = get_settings(sys.argv[1]); "
    "ingest_pending(s, discover_upload_files(s))"
)
YEARS = ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24")


def _write_returns(uploads: Path, count: int, seed: int, prefix: str) -> list[Path]:
    rng = random.Random(seed)
    areas = [row["area_code"] for row in local_authorities()]
    paths = []
    for i in range(count):
        area, year = areas[i % len(areas)], YEARS[(i // len(areas) + seed) % len(YEARS)]
        paths.append(
            write_template(uploads / f"{prefix}_{i:03d}_{area}.xlsx", area, year, _return_content(rng, area, year))
        )
    return paths


def _start(data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", INTAKE, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _ledger_lines(settings) -> int:
    """Arrivals recorded so far (each run appends one line per file it archives)."""
    ledger = settings.archive_dir / "ledger.jsonl"
    return ledger.read_bytes().count(b"\n") if ledger.exists() else 0


def _check_consistent(settings, files: list[Path]) -> dict:
    shas = {sha256_bytes(p.read_bytes()) for p in files}
    objects = {p.name: p for p in (settings.archive_dir / "objects").rglob("*") if p.is_file()}
    stored = {name: p for name, p in objects.items() if not name.startswith(".")}
    leftovers = [name for name in objects if name.startswith(".")]  # temp files of killed writes
    assert set(stored) == shas  # every file archived, exactly once (one object per sha256)
    for name, path in stored.items():
        assert sha256_bytes(path.read_bytes()) == name  # no torn object
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        duplicated = connection.execute(
            "select sha256, kind, count(*) from raw.submissions group by 1, 2 having count(*) > 1"
        ).fetchall()
        assert duplicated == []
        events = connection.execute("select relative_path, count(*) from raw.file_events group by 1").fetchall()
        assert sorted(events) == sorted((f"raw/uploads/{p.name}", 1) for p in files)
        orphans = connection.execute(
            "select count(*) from raw.return_measures where submission_id not in "
            "(select submission_id from raw.submissions)"
        ).fetchone()[0]
        assert orphans == 0
        accepted = connection.execute("select count(*) from raw.submissions where status = 'accepted'").fetchone()[0]
    receipts = [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*.json")]
    assert sorted(r["file"] for r in receipts) == sorted(p.name for p in files)  # one receipt each
    ledger = {entry["sha256"] for entry in archive.read_ledger(settings.archive_dir)}
    assert shas <= ledger
    return {"objects": len(stored), "temp_leftovers": len(leftovers), "accepted": accepted}


def test_intake_survives_sigkill_at_random_points(tmp_path, capsys):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    files = _write_returns(settings.uploads_dir, 60, seed=1, prefix="r")
    rng = random.Random(20240601)
    kills = 0
    for _ in range(6):
        arrivals = _ledger_lines(settings)
        process = _start(settings.data_dir)
        # Imports take a second or more (longer under load): wait until this run has archived
        # a file, then kill at a seeded point within the next 0.8 s (a run of 60 files takes
        # about 1 s, committing in batches of up to 50).
        deadline = time.monotonic() + 120
        while _ledger_lines(settings) == arrivals and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.8))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    final = subprocess.run(
        [sys.executable, "-c", INTAKE, str(settings.data_dir)], capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr[-3000:]
    assert kills >= 3  # most kills landed mid-run (the seeded delays are shorter than a run)
    summary = _check_consistent(settings, files)
    assert summary["accepted"] == len(files)
    with capsys.disabled():
        print(f"\ncrash safety: {len(files)} files, {kills} SIGKILLs survived, {summary}")


def test_returns_dropped_during_a_run_are_each_one_submission_next_run(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    first = _write_returns(settings.uploads_dir, 30, seed=2, prefix="a")
    running = _start(settings.data_dir)
    dropped: list[Path] = []
    writer = threading.Thread(
        target=lambda: dropped.extend(_write_returns(settings.uploads_dir, 50, seed=3, prefix="late"))
    )
    writer.start()
    writer.join()
    assert running.wait(timeout=300) == 0, running.stderr.read()[-3000:]
    second = subprocess.run(
        [sys.executable, "-c", INTAKE, str(settings.data_dir)], capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(dropped) == 50
    _check_consistent(settings, first + dropped)
