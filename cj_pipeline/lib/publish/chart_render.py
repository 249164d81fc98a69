"""Rendering chart specs to SVG with vl-convert, in this process or in worker processes.

vl-convert holds the GIL and renders one chart at a time per process (tens of milliseconds
each, the same whatever the chart's size), so a publication's few hundred charts are shared
between processes, one per core: this process and `python -m` this module, which reads
its jobs as JSON on stdin and writes the SVGs as JSON on stdout. A fresh interpreter, not
multiprocessing: no fork of vl-convert's threads, and no re-run of the caller's main script.
The module imports only vl-convert, so a worker is ready in a fraction of a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import cache
from importlib import resources

import vl_convert as vlc

# Below this many charts, starting workers costs more than it saves.
MIN_PARALLEL = 24


@cache
def register_fonts() -> None:
    """vl-convert measures and draws text with the packs' own font (once per process)."""
    with resources.as_file(resources.files("cj_pipeline.lib.publish") / "fonts") as folder:
        vlc.register_font_directory(str(folder))


def render_one(kind: str, spec: dict) -> str:
    """kind "vega": a compiled Vega spec; "vega-lite": a Vega-Lite spec. The drawing is hidden
    from screen readers: the figure's caption and data table are its text alternative."""
    register_fonts()
    svg = (vlc.vega_to_svg if kind == "vega" else vlc.vegalite_to_svg)(spec)
    svg = svg[svg.find("<svg") :]
    return svg.replace("<svg", '<svg aria-hidden="true" focusable="false" role="img"', 1)


def render_chunk(jobs: list[tuple[str, dict]]) -> list[str]:
    return [render_one(kind, spec) for kind, spec in jobs]


def workers() -> int:
    """Cores this process may use (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_worker(jobs: list[tuple[str, dict]]) -> tuple[threading.Thread, dict]:
    """A worker process rendering `jobs`; the thread feeds it and collects its output."""
    command = [sys.executable, "-m", "cj_pipeline.lib.publish.chart_render"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    result: dict = {}

    def talk() -> None:
        result["out"], result["err"] = process.communicate(json.dumps(jobs).encode())
        result["code"] = process.returncode

    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    return thread, result


def render_all(jobs: list[tuple[str, dict]]) -> list[str]:
    """Every job's SVG, in order; shared with worker processes when there are enough charts
    and cores to spare (this process renders the last share while they render theirs)."""
    n = min(workers(), 8)
    if n < 2 or len(jobs) < MIN_PARALLEL:
        return render_chunk(jobs)
    share = len(jobs) // n
    started = [_start_worker(jobs[i * share : (i + 1) * share]) for i in range(n - 1)]
    mine = render_chunk(jobs[(n - 1) * share :])
    svgs: list[str] = []
    for thread, result in started:
        thread.join()
        if result["code"] != 0:
            raise RuntimeError("a chart rendering process failed: " + result["err"].decode(errors="replace")[-2000:])
        svgs += json.loads(result["out"])
    return svgs + mine


if __name__ == "__main__":
    json.dump(render_chunk([tuple(job) for job in json.load(sys.stdin)]), sys.stdout)
