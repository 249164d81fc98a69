"""Benchmark: validation and intake, each against a baseline measured in the same run.

Not a timed test: `make bench` runs it and appends to bench/results.md.
(a) validate_file per sample return vs a plain openpyxl read of the same file
    (load_workbook + iterate every cell);
(c) drop -> receipt latency with the sensor's logic (lib/stable_files ticks + intake),
    from the tick that finds the file stable to its receipt on disk;
(d) growth of intake (hash, archive, parse, validate, load raw) with the data: 1x, 4x and
    16x the areas x years (8 areas x 2 years, 16 x 4, 32 x 8). The seeds hold the 32 real
    areas; the sample generator always writes all of them, so the bench writes the smaller
    sizes with the generator's area list cut to the first N real areas (bench only: a
    patched `sample_data.local_authorities`; no seed or production change, and no
    synthetic areas are needed). Each size starts from an empty warehouse after one
    warm-up run (imports, DuckDB's first Arrow scan), and a second run over the same files
    (nothing new) shows the fixed cost per run.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import openpyxl

from cj_pipeline.lib.demo import sample_data
from cj_pipeline.lib.demo.sample_data import DEFAULT_YEARS, generate_sample_data
from cj_pipeline.lib.intake.discovery import discover_partner_files, discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.intake.stable_files import StableState, list_candidate_files, track_stable_files
from cj_pipeline.lib.returns.validate import validate_file
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
    """Sensor ticks are simulated back to back (the real daemon ticks every ~5 s): the
    latency here is the run's own receipt (intake of one file) without the daemon. The
    receipt people see first comes from the sensor's check on arrival, measured end to
    end through the real daemon by bench_drop_receipt.py."""
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
        "This is the run's receipt without the daemon. The first receipt comes from the sensor's check on arrival, "
        "2-5 s after a file stops changing through the real daemon (bench_drop_receipt.py).",
        "",
    ]


GROWTH = ((1, 8, 2), (4, 16, 4), (16, 32, 8))  # (factor, areas, years): factor = areas x years / 16
REPEATS = 3


def _growth_data(data: Path, areas: int, years: int) -> None:
    """Sample data for the first `areas` real areas (bench only: the generator writes all 32)."""
    every = sample_data.local_authorities()
    with mock.patch.object(sample_data, "local_authorities", lambda: every[:areas]):
        sample_data.generate_sample_data(data, years=DEFAULT_YEARS[-years:])


def bench_growth(root: Path) -> list[str]:
    _growth_data(root / "growth_warm", 2, 2)  # warm-up: first-use costs are no size's cost
    warm = get_settings(root / "growth_warm")
    ingest_pending(warm, discover_upload_files(warm) + discover_partner_files(warm))
    rows, points = [], []
    for factor, areas, years in GROWTH:
        source = root / f"growth_{factor}_source"
        _growth_data(source, areas, years)
        runs = []  # the median of REPEATS runs, each on a fresh copy: the machine is shared
        for repeat in range(REPEATS):
            data = root / f"growth_{factor}_{repeat}"
            shutil.copytree(source, data, copy_function=shutil.copy2)  # keeps the mtimes (arrival order)
            settings = get_settings(data)
            files = discover_upload_files(settings) + discover_partner_files(settings)
            started = time.perf_counter()
            report = ingest_pending(settings, files)
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = ingest_pending(settings, discover_upload_files(settings) + discover_partner_files(settings))
            rerun = time.perf_counter() - started
            assert again.receipts == [] and again.skipped == len(files)
            started = time.perf_counter()
            ingest_pending(settings, [])  # no files at all: open the warehouse, restore receipts, close
            empty = time.perf_counter() - started
            runs.append((seconds, rerun, empty))
        seconds, rerun, empty = (statistics.median(run[i] for run in runs) for i in range(3))
        size = sum(f.path.stat().st_size for f in files)
        points.append((factor, len(files), seconds, empty))
        rows.append(
            f"| {factor}x ({areas} areas x {years} years) | "
            f"{len(files)} | {size / 1e6:.1f} | {seconds:.2f} | {seconds / len(files) * 1000:.1f} | "
            f"{rerun:.2f} | {empty * 1000:.0f} | {len(report.accepted)} |"
        )
    (_, _, t1, fixed1), (_, n16, t16, fixed16) = points[0], points[-1]
    k_data = _fit([(f, t) for f, _, t, _ in points])
    k_files = _fit([(n, t) for _, n, t, _ in points])
    marginal = (t16 - fixed16) / n16
    return [
        "## (d) Growth: intake of every file (hash, archive, parse, validate, load raw)",
        "",
        "Sizes are areas x financial years of sample data (returns for every area and year but the",
        "2 latest not yet sent, plus the partner files); the smaller sizes use the first N of the 32",
        "real areas (bench-only patch of the sample generator's area list, no synthetic areas).",
        f"Times are the median of {REPEATS} runs, each from an empty warehouse on a fresh copy of the files.",
        "'re-run' is a second run over the same files (each is still read and hashed; nothing new);",
        "'empty run' is a run given no files: the fixed cost per run (open the warehouse, restore",
        "missing receipts, close), which grows slowly with the history held.",
        "",
        "| data | files | MB | seconds | ms/file | re-run s | empty run ms | accepted |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Scaling exponent (time ~ data^k, least squares over 1x, 4x, 16x): k = {k_data:.2f} against",
        f"areas x years, k = {k_files:.2f} against files (1.0 = linear). 16x the data took "
        f"{t16 / t1:.1f}x the time (the aim: under 2x).",
        f"Fixed cost per run (empty run): {fixed1 * 1000:.0f} ms at 1x, {fixed16 * 1000:.0f} ms at 16x, {fixed1 / t1:.0%} of the 1x run",
        f"and {fixed16 / t16:.0%} of the 16x run; the rest is about {marginal * 1000:.1f} ms per file. 16x the data in under 2x the",
        "time needs the fixed part to be most of a 1x run (over 93%, as 16 x (1 - f) + f < 2 x 1 needs",
        "f > 14/15); "
        + (
            "it is, so the time grows slower than the data."
            if fixed1 / t1 > 14 / 15
            else "it is not: the per-file work (parse and validate, archive with two fsyncs, receipt "
            "files, its share of the batched warehouse rows) dominates, so the time stays close to "
            "linear in the files."
        ),
        "",
    ]


def _fit(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of log(time) on log(size)."""
    xs, ys = [math.log(x) for x, _ in points], [math.log(y) for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)


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
