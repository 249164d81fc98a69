"""Benchmark: drop -> receipt through the real daemon (`dagster dev`, sensors on).

A sample warehouse is built first (`cj-pipeline run`), then `dagster dev` is started on the
same data folder and instance with the uploads sensor on. DROPS corrected returns are
dropped one at a time (written to a hidden name, then renamed in: the file stops changing at
the rename), each at a random moment of the sensor daemon's 5 s loop (seeded), since the
wait depends on when the next look comes. Figures per drop: the time from the rename to the
receipt file appearing (the receipt on arrival, written by the sensor) in receipts/ and in the
area's outbox, outbox/<GSS code>/ (what the officer sees), to the run's receipt replacing it (the
file loaded into the warehouse), and to the area's status page naming the file as loaded
(rewritten by the run status sensor once the run ends). Each drop waits for the previous run to finish, so no drop
waits in the queue. The baselines measured in the same run are the receipts made in process:
the check on arrival of one file (`check_on_arrival`) and intake of one file (`ingest_pending`).
Not a timed test; `python bench/bench_drop_receipt.py` (CJ_BENCH_OUT=file appends the table).
"""

from __future__ import annotations

import json
import os
import random
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

DROPS = 6
BIN = Path(sys.executable).parent
AREA = "S12000047"  # Fife


def _env(home: Path, data: Path) -> dict[str, str]:
    # No venv on PATH: the daemon must find its dbt by absolute path, as a service would.
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN)
    return {**os.environ, "DAGSTER_HOME": str(home), "CJ_DATA_DIR": str(data), "PATH": path}


def _receipts(data: Path) -> set[Path]:
    return set((data / "receipts").glob("*.json"))


def _outbox(data: Path) -> set[Path]:
    return set((data / "outbox" / AREA).glob("*.json"))


def _status_lists(data: Path, name: str) -> bool:
    """The area's status page lists the file among those received (loaded), not as waiting."""
    try:
        text = (data / "outbox" / AREA / "status.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return f"- {name}, " in text and "Just received" not in text


def _stage(path: Path) -> str | None:
    """The receipt's stage ("checked_on_arrival"), None for the run's receipt."""
    try:
        return json.loads(path.read_text()).get("stage", "loaded")
    except (FileNotFoundError, ValueError):  # being replaced this instant
        return None


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
    on_arrival, loaded, first_stage, in_outbox, status_page = [], [], [], [], []
    phase = random.Random(18)
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
            time.sleep(phase.uniform(0, 5))  # any moment between two looks of the sensor
            book = openpyxl.load_workbook(fife)
            book["Local measures"]["E5"] = f"corrected {n}"  # new bytes: a new submission
            folder = data / "raw" / "uploads" / AREA
            folder.mkdir(parents=True, exist_ok=True)
            hidden = folder / f".drop{n}.xlsx"
            book.save(hidden)
            before, before_outbox = _receipts(data), _outbox(data)
            hidden.rename(folder / f"fife_corrected_{n}.xlsx")
            dropped = time.monotonic()
            new: set[Path] = set()
            new_outbox: set[Path] = set()
            while not (new and new_outbox) and time.monotonic() - dropped < 180:
                time.sleep(0.05)
                if not new and (new := _receipts(data) - before):
                    on_arrival.append(time.monotonic() - dropped)
                if not new_outbox and (new_outbox := _outbox(data) - before_outbox):
                    in_outbox.append(time.monotonic() - dropped)
            if not new:
                raise RuntimeError(f"drop {n + 1}: no receipt after 180 s")
            (receipt,) = new
            first_stage.append(_stage(receipt))
            while _stage(receipt) != "loaded" and time.monotonic() - dropped < 300:
                time.sleep(0.1)
            loaded.append(time.monotonic() - dropped)
            while not _status_lists(data, f"fife_corrected_{n}.xlsx") and time.monotonic() - dropped < 300:
                time.sleep(0.1)
            status_page.append(time.monotonic() - dropped)
        deadline = time.monotonic() + 180
        while not _idle(env) and time.monotonic() < deadline:  # stop between runs, never in one
            time.sleep(1)
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:  # dagster dev did not stop: its whole group goes
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    baseline_check, baseline_intake = _one_file_baselines(root, fife)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    shutil.rmtree(root, ignore_errors=True)
    median, median_loaded = statistics.median(on_arrival), statistics.median(loaded)
    median_outbox, median_status = statistics.median(in_outbox), statistics.median(status_page)
    stages = ", ".join(sorted(set(map(str, first_stage))))
    return [
        "## Drop -> receipt through the real daemon (dagster dev, uploads_sensor on)",
        "",
        f"{DROPS} drops, one at a time; load average at the end {load}. The first receipt to",
        f"appear was the sensor's (stage: {stages}); the run's receipt replaces it under the same name.",
        "",
        "| measure | receipt on arrival, s | in the area's outbox, s | run's receipt (loaded), s | "
        "status page lists it, s |",
        "|---|---|---|---|---|",
        *[
            f"| drop {i + 1} | {a:.1f} | {o:.1f} | {b:.1f} | {p:.1f} |"
            for i, (a, o, b, p) in enumerate(zip(on_arrival, in_outbox, loaded, status_page, strict=True))
        ],
        f"| median | {median:.1f} (aim <= 5 s) | {median_outbox:.1f} (aim <= 5 s) | {median_loaded:.1f} | "
        f"{median_status:.1f} |",
        f"| baseline in process: the check on arrival of one file (check_on_arrival) | {baseline_check:.3f} | | | |",
        f"| baseline in process: intake of one file (ingest_pending) | | | {baseline_intake:.2f} | |",
        f"| ratio to its baseline | {median / baseline_check:.0f}x | | {median_loaded / baseline_intake:.0f}x | |",
        "",
    ]


def _variant(source: Path, target: Path, text: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(source)
    book["Local measures"]["E5"] = text  # new bytes: nothing archived or received before
    book.save(target)


def _one_file_baselines(root: Path, source: Path) -> tuple[float, float]:
    """Seconds for intake of one return, and for the check on arrival of another, in process
    (warm: imports and the schema made first); each of bytes never seen before."""
    from cj_pipeline.lib.intake.discovery import discover_upload_files
    from cj_pipeline.lib.intake.on_arrival import check_on_arrival
    from cj_pipeline.lib.intake.run import ingest_pending
    from cj_pipeline.settings import get_settings

    settings = get_settings(root / "baseline")
    settings.ensure_dirs()
    target = settings.uploads_dir / AREA
    target.mkdir(parents=True)
    _variant(source, target / "warm.xlsx", "warm")
    check_on_arrival(settings, target / "warm.xlsx")  # warm: imports
    ingest_pending(settings, discover_upload_files(settings))  # warm: schema, imports
    _variant(source, target / "intake.xlsx", "intake")
    started = time.perf_counter()
    ingest_pending(settings, discover_upload_files(settings))
    intake = time.perf_counter() - started
    _variant(source, target / "check.xlsx", "check")
    started = time.perf_counter()
    check_on_arrival(settings, target / "check.xlsx")
    return time.perf_counter() - started, intake


if __name__ == "__main__":
    lines = main()
    print("\n".join(lines))
    if os.environ.get("CJ_BENCH_OUT"):
        with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
            handle.write("\n".join(lines) + "\n")
