"""Benchmark: publishing one year against the floor of writing the same bytes.

Not a timed test: `make bench` appends its table to bench/results.md
(CJ_BENCH_OUT); standalone: `python bench/bench_publish.py`.

The publication runs as its own process (its wall time and peak memory are the
process's), on the sample data built once. The floor, measured in the same run, is
the sum of what a publication cannot avoid doing:
- DuckDB writing the same published tables (the release's Parquet) to CSV and Parquet;
- xlsxwriter writing the same spreadsheet cells (read back from the published
  workbook with calamine) without any formatting;
- writing the same pages' bytes (every .html and .md of the release) to disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import fastexcel
import xlsxwriter
from run_timing import ensure_dagster_home, load_average, machine

from cj_pipeline.lib.demo.sample_data import generate_sample_data
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings

YEAR = "2023-24"  # every return in and complete in the sample data: the gate passes
PUBLISH = """
import json, resource, sys, time
from cj_pipeline.lib.publish import publish_release
from cj_pipeline.settings import get_settings
started = time.perf_counter()
out = publish_release(get_settings(sys.argv[1]), sys.argv[2], {"release_id": "bench", "published_by": "bench"})
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - started, "out": str(out), "peak_mb": peak_mb, "workers_mb": workers_mb}))
"""


def publish_process(data_dir: Path) -> tuple[float, float, Path, float]:
    """Wall seconds of the process (imports included), its peak resident MB, the release folder and
    the largest peak of its helper processes (the workbook, core/helper_process.py), MB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH, str(data_dir), YEAR], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    reported = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, reported["peak_mb"], Path(reported["out"]), reported["workers_mb"]


def floor_tables(release: Path, scratch: Path) -> float:
    started = time.perf_counter()
    with duckdb.connect() as connection:
        for parquet in sorted((release / "data").glob("*.parquet")):
            relation = f"read_parquet('{parquet}')"
            connection.execute(f"copy (select * from {relation}) to '{scratch / parquet.stem}.csv' (header)")
            connection.execute(f"copy (select * from {relation}) to '{scratch / parquet.name}' (format parquet)")
    return time.perf_counter() - started


def floor_workbook(release: Path, scratch: Path) -> tuple[float, int]:
    """xlsxwriter writing every published cell, unformatted; the cell count."""
    reader = fastexcel.read_excel(next(release.glob("*.xlsx")))
    sheets = {name: reader.load_sheet(name, header_row=None).to_polars().rows() for name in reader.sheet_names}
    cells = sum(len(row) for rows in sheets.values() for row in rows)
    started = time.perf_counter()
    book = xlsxwriter.Workbook(scratch / "floor.xlsx", {"constant_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return time.perf_counter() - started, cells


def floor_pages(release: Path, scratch: Path) -> tuple[float, int, int]:
    """Writing the release's pages (HTML, markdown) byte for byte; files and bytes."""
    pages = [p for p in release.rglob("*") if p.suffix in (".html", ".md")]
    contents = [p.read_bytes() for p in pages]
    started = time.perf_counter()
    for i, content in enumerate(contents):
        (scratch / f"page{i}").write_bytes(content)
    return time.perf_counter() - started, len(pages), sum(map(len, contents))


def main() -> None:
    ensure_dagster_home()
    root = Path(tempfile.mkdtemp(prefix="cj-bench-publish-"))
    generate_sample_data(root)
    settings = get_settings(root)
    assert run_build(settings, log_level="ERROR").success
    runs = [publish_process(root) for _ in range(2)]
    wall, peak_mb, release, workers_mb = min(runs)
    scratch = root / "floor"
    scratch.mkdir()
    tables = floor_tables(release, scratch)
    workbook, cells = floor_workbook(release, scratch)
    pages, files, size = floor_pages(release, scratch)
    floor = tables + workbook + pages
    timings = json.loads((release / "release.json").read_text()).get("timings", {})
    steps = ", ".join(f"{k.removesuffix('_seconds')} {v:.1f} s" for k, v in timings.items() if k != "total_seconds")
    lines = [
        "",
        f"## Publish one year ({YEAR}) vs the floor of writing the same bytes",
        "",
        f"Machine: {machine()}, load average at the end {load_average()}. Best of {len(runs)} publications, "
        f"each its own process; the release holds {files} pages ({size / 1e6:.1f} MB) and {cells:,} spreadsheet cells.",
        "",
        "| measure | seconds | ratio to floor |",
        "|---|---:|---:|",
        f"| floor: DuckDB writes the tables to CSV + Parquet | {tables:.3f} | |",
        f"| floor: xlsxwriter writes the same cells, unformatted | {workbook:.3f} | |",
        f"| floor: the same pages' bytes written to disk | {pages:.3f} | |",
        f"| floor (sum) | {floor:.3f} | 1.0 |",
        f"| publish one year | {wall:.2f} | {wall / floor:.1f} |",
        "",
        f"Peak memory of the publishing process: {peak_mb:,.0f} MB (its largest helper process: {workers_mb:,.0f} MB). "
        f"Inside the publication: {steps}.",
    ]
    print("\n".join(lines))
    if os.environ.get("CJ_BENCH_OUT"):
        with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
            handle.write("\n".join(lines) + "\n")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
