"""Benchmark: validation and intake, each against a baseline measured in the same run.

Not a timed test: `make bench` runs it and appends to bench/results.md.
(a) validate_file per sample return vs a plain openpyxl read of the same file
    (load_workbook + iterate every cell);
(c) drop -> receipt latency with the sensor's logic (lib/stable_files ticks + intake),
    from the tick that finds the file stable to its receipt on disk;
(d) growth of intake (hash, archive, parse, validate, load raw) with the data: 2, 4 and
    8 financial years of every area. The seeds hold 10 financial years and the 32 real
    areas, so 16x (or synthetic areas) is impossible without changing the seeds: the
    exponent is fitted over 1x-4x.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl

from cj_pipeline.lib.intake import discover_partner_files, discover_upload_files, ingest_pending
from cj_pipeline.lib.sample_data import DEFAULT_YEARS, generate_sample_data
from cj_pipeline.lib.stable_files import StableState, list_candidate_files, track_stable_files
from cj_pipeline.lib.validate import validate_file
from cj_pipeline.settings import get_settings


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bench_validation(root: Path) -> list[str]:
    data = root / "validation"
    truth = generate_sample_data(data, years=DEFAULT_YEARS[-2:])
    files = [p for p in truth.return_files if DEFAULT_YEARS[-2] in p.name]  # the 32 areas' returns for one year
    settings = get_settings(data)
    ours, plain = [], []
    for path in files:
        validate_file(path, settings)  # warm (imports, caches)
        break
    for path in files:
        started = time.perf_counter()
        receipt = validate_file(path, settings)
        ours.append(time.perf_counter() - started)
        assert receipt["status"] == "accepted"
        started = time.perf_counter()
        workbook = openpyxl.load_workbook(path)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    _ = cell.value
        workbook.close()
        plain.append(time.perf_counter() - started)
    ratio = statistics.median(ours) / statistics.median(plain)
    return [
        "## (a) Validation per return vs a plain openpyxl read",
        "",
        f"{len(files)} sample returns (one year, every area), each read once by each reader.",
        "",
        "| reader | median ms/file | p90 ms/file | ratio |",
        "|---|---:|---:|---:|",
        f"| openpyxl load_workbook + every cell (baseline) | {_median_ms(plain):.1f} | "
        f"{sorted(plain)[int(len(plain) * 0.9)] * 1000:.1f} | 1.00 |",
        f"| validate_file (open, pre-check, read, all rules) | {_median_ms(ours):.1f} | "
        f"{sorted(ours)[int(len(ours) * 0.9)] * 1000:.1f} | {ratio:.2f} |",
        "",
    ]


def bench_latency(root: Path) -> list[str]:
    """Sensor ticks are simulated back to back (the real sensor waits TICK_SECONDS between
    them): the latency here is what the pipeline adds on top of the tick interval."""
    source = generate_sample_data(root / "latency_src", years=DEFAULT_YEARS[-2:])
    settings = get_settings(root / "latency")
    settings.ensure_dirs()
    ingest_pending(settings, [])  # an existing warehouse, as in production
    latencies = []
    state = StableState()
    for path in source.return_files[:10]:
        target = settings.uploads_dir / path.name
        shutil.copy(path, target)
        ready, state = track_stable_files(state, list_candidate_files(settings.uploads_dir))
        assert not ready  # first look: new, not yet stable
        started = time.perf_counter()
        ready, state = track_stable_files(state, list_candidate_files(settings.uploads_dir))
        assert ready == [path.name]
        files = [f for f in discover_upload_files(settings) if f.path.name in ready]
        report = ingest_pending(settings, files)
        assert report.receipts and any(settings.receipts_dir.glob("*.json"))
        latencies.append(time.perf_counter() - started)
    return [
        "## (c) Drop -> receipt latency (sensor logic + intake, one file at a time)",
        "",
        "| measure | median ms | max ms |",
        "|---|---:|---:|",
        f"| stable tick -> receipt written (10 returns, warm warehouse) | {_median_ms(latencies):.0f} | "
        f"{max(latencies) * 1000:.0f} |",
        "",
        "Add one to two sensor intervals (TICK_SECONDS = 30) for the stable-file rule itself.",
        "",
    ]


def bench_growth(root: Path) -> list[str]:
    rows, points = [], []
    for factor, years in ((1, DEFAULT_YEARS[-2:]), (2, DEFAULT_YEARS[-4:]), (4, DEFAULT_YEARS)):
        data = root / f"growth_{factor}"
        generate_sample_data(data, years=years)
        settings = get_settings(data)
        files = discover_upload_files(settings) + discover_partner_files(settings)
        started = time.perf_counter()
        report = ingest_pending(settings, files)
        seconds = time.perf_counter() - started
        size = sum(f.path.stat().st_size for f in files)
        points.append((len(files), seconds))
        rows.append(f"| {factor}x ({len(years)} years) | {len(files)} | {size / 1e6:.1f} | {seconds:.2f} | "
                    f"{len(report.accepted)} |")  # fmt: skip
    (n1, t1), (n4, t4) = points[0], points[-1]
    exponent = math.log(t4 / t1) / math.log(n4 / n1)
    return [
        "## (d) Growth: intake of every file (hash, archive, parse, validate, load raw)",
        "",
        "| data | files | MB | seconds | accepted |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Scaling exponent (time ~ files^k, 1x -> 4x): k = {exponent:.2f} (1.0 = linear).",
        "16x is not possible with the seeds (10 financial years, 32 real areas; synthetic areas would",
        "need seed changes), so growth is in years only.",
        "",
    ]


def main() -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="cj-bench-intake-"))
    try:
        return bench_validation(root) + bench_latency(root) + bench_growth(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    lines = main()
    print("\n".join(lines))
    if os.environ.get("CJ_BENCH_OUT"):
        with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
            handle.write("\n".join(lines) + "\n")
