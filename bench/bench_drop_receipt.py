"""Benchmark: drop -> receipt through the real daemon (`dagster dev`, sensors on).

A sample warehouse is built first (`cj-pipeline run`), then `dagster dev` is started on the
same data folder and instance with the uploads sensor on. DROPS corrected returns are
dropped one at a time (written to a hidden name, then renamed in: the file stops changing at
the rename); the figure is the time from the rename to the receipt file appearing. Each drop
waits for the previous run to finish, so no drop waits in the queue. The baseline measured
in the same run is the receipt itself: `ingest_pending` of one file in process.
Not a timed test; `python bench/bench_drop_receipt.py` (CJ_BENCH_OUT=file appends the table).
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cj_pipeline.lib.demo.sample_data import DEFAULT_YEARS, generate_sample_data
from cj_pipeline.settings import PROJECT_ROOT

DROPS = 4
BIN = Path(sys.executable).parent
AREA = "S12000047"  # Fife


def _env(home: Path, data: Path) -> dict[str, str]:
    # No venv on PATH: the daemon must find its dbt by absolute path, as a service would.
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN)
    return {**os.environ, "DAGSTER_HOME": str(home), "CJ_DATA_DIR": str(data), "PATH": path}


def _receipts(data: Path) -> set[Path]:
    return set((data / "receipts").glob("*.json"))


def _idle(env: dict[str, str]) -> bool:
    out = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "import dagster as dg; i = dg.DagsterInstance.get(); "
            "print(len(i.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, "
            "dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]))))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "0"


def main() -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="cj-bench-drop-"))
    data, home = root / "data", root / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = _env(home, data)
    truth = generate_sample_data(data, years=DEFAULT_YEARS[-2:])
    subprocess.run([str(BIN / "cj-pipeline"), "run"], env=env, check=True, capture_output=True)
    fife = [p for p in truth.return_files if p.name.startswith("Fife_") and p.suffix == ".xlsx"][-1]
    dev = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-p", "3917"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    latencies = []
    try:
        subprocess.run(
            [str(BIN / "dagster"), "sensor", "start", "uploads_sensor", "-w", "workspace.yaml"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        time.sleep(20)  # the daemon and code server start
        import openpyxl

        for n in range(DROPS):
            while not _idle(env):
                time.sleep(1)
            book = openpyxl.load_workbook(fife)
            book["Local measures"]["E5"] = f"corrected {n}"  # new bytes: a new submission
            folder = data / "raw" / "uploads" / AREA
            folder.mkdir(parents=True, exist_ok=True)
            hidden = folder / f".drop{n}.xlsx"
            book.save(hidden)
            before = _receipts(data)
            hidden.rename(folder / f"fife_corrected_{n}.xlsx")
            dropped = time.monotonic()
            while not (_receipts(data) - before) and time.monotonic() - dropped < 180:
                time.sleep(0.2)
            latencies.append(time.monotonic() - dropped)
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        dev.wait(timeout=60)
    baseline = _one_file_intake(root, fife)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    shutil.rmtree(root, ignore_errors=True)
    median = statistics.median(latencies)
    return [
        "## Drop -> receipt through the real daemon (dagster dev, uploads_sensor on)",
        "",
        f"{DROPS} drops, one at a time; load average at the end {load}.",
        "",
        "| measure | seconds |",
        "|---|---|",
        *[f"| drop {i + 1} | {s:.1f} |" for i, s in enumerate(latencies)],
        f"| median | {median:.1f} (aim <= 5 s) |",
        f"| baseline: the receipt made in process (ingest_pending, one file) | {baseline:.2f} |",
        f"| ratio | {median / baseline:.0f}x |",
        "",
    ]


def _one_file_intake(root: Path, source: Path) -> float:
    from cj_pipeline.lib.intake.discovery import discover_upload_files
    from cj_pipeline.lib.intake.run import ingest_pending
    from cj_pipeline.settings import get_settings

    settings = get_settings(root / "baseline")
    settings.ensure_dirs()
    target = settings.uploads_dir / AREA
    target.mkdir(parents=True)
    shutil.copy(source, target / source.name)
    ingest_pending(settings, [])  # warm: schema, imports
    started = time.perf_counter()
    ingest_pending(settings, discover_upload_files(settings))
    return time.perf_counter() - started


if __name__ == "__main__":
    lines = main()
    print("\n".join(lines))
    if os.environ.get("CJ_BENCH_OUT"):
        with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
            handle.write("\n".join(lines) + "\n")
