"""Benchmark: `cj-pipeline validate FILE` as a whole process, what a council officer waits for,
against an openpyxl script reading every cell of the same file (the peer), same run, same files.

Not a timed test. Each command runs REPEATS times per file, alternating ours and the peer so
load hits both alike; the figure is the median. Aims: ours at most 0.3 s and at least 2x
faster than the peer. `python -X importtime` shows what the process imports.
Standalone: `python bench/bench_validate_process.py` (CJ_BENCH_OUT=file appends the table).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cj_pipeline.lib.demo.sample_data import DEFAULT_YEARS, generate_sample_data

REPEATS = 7
FILES = 5
CLI = Path(sys.executable).parent / "cj-pipeline"
PEER = (
    "import sys, openpyxl\n"
    "book = openpyxl.load_workbook(sys.argv[1])\n"
    "cells = sum(1 for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None)\n"
)


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="cj-bench-validate-"))
    truth = generate_sample_data(root, years=DEFAULT_YEARS[-2:])  # the generator needs two years
    files = sorted(p for p in truth.return_files if p.suffix == ".xlsx")[:FILES]
    ours, peer = [], []
    _seconds([str(CLI), "validate", str(files[0])])  # warm the page cache and .pyc files
    for _ in range(REPEATS):
        for path in files:
            ours.append(_seconds([str(CLI), "validate", str(path)]))
            peer.append(_seconds([sys.executable, "-c", PEER, str(path)]))
    ours_s, peer_s = statistics.median(ours), statistics.median(peer)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        "## Validate as a whole process vs an openpyxl read of every cell (same files, same run)",
        "",
        f"{len(files)} sample returns x {REPEATS} runs each, alternating; load average at the end {load}.",
        "",
        "| process | median s | aim |",
        "|---|---|---|",
        f"| `cj-pipeline validate FILE` | {ours_s:.3f} | <= 0.3 s |",
        f"| python + openpyxl, every cell | {peer_s:.3f} | |",
        f"| ratio peer / ours | {peer_s / ours_s:.2f}x | >= 2x |",
        "",
    ]


if __name__ == "__main__":
    lines = main()
    print("\n".join(lines))
    if os.environ.get("CJ_BENCH_OUT"):
        with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
            handle.write("\n".join(lines) + "\n")
