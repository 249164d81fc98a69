"""Does vl-convert render charts in parallel? Times 16 trend charts (a pack's shape) serially and over
two threads, and checks the SVG is the same. Run: .venv/bin/python bench/bench_chart_threads.py"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import vl_convert as vlc

from cj_pipeline.lib.publish import pack_charts


def _spec(i: int) -> dict:
    points = [
        {
            "label": f"Indicator {k}|(rate)",
            "order": k,
            "series": series,
            "financial_year": f"20{y}-{y + 1}",
            "value": float(i + k * y + j),
            "pandemic": y in (20, 21) and j == 0,
        }
        for k in range(4)
        for j, series in enumerate(["Area", "Scotland"])
        for y in range(15, 24)
    ]
    return pack_charts.trend_chart(points, ["Area", "Scotland"], 2)


def main() -> None:
    pack_charts.register_fonts()
    specs = [_spec(i) for i in range(16)]
    vlc.vega_to_svg(specs[0])  # start vl-convert's JavaScript runtime outside the timing
    start = time.perf_counter()
    serial = [vlc.vega_to_svg(s) for s in specs]
    serial_s = time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(vlc.vega_to_svg, specs))
    threaded_s = time.perf_counter() - start
    print(f"serial {serial_s:.2f} s, two threads {threaded_s:.2f} s, same SVG: {serial == threaded}")


if __name__ == "__main__":
    main()
