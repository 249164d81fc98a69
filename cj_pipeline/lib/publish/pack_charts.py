"""Charts of the report packs, laid out here and drawn as inline SVG by Jinja2 macros.

Two kinds: trend small multiples (one panel per indicator, an area against Scotland,
pandemic years shaded) and the ranked bars of the Scotland pack (every area named).
Each function here returns plain geometry (pixels, labels, styles); the macros in
templates/_charts.html.j2 only draw it, with autoescaping, so area names stay text.

Why not altair/vl-convert, which drew these charts before: rendering a chart with
vl-convert cost 44-116 ms of CPU (axes, text and facets, not the call), about 17 s of a
publication's 22 s for its 255 charts; laying them out here costs well under a
millisecond each (docs/decisions.md has the measurements). The design is the one
vl-convert drew: Okabe-Ito colours, a dash pattern and marker shape per series as well
as colour, grey pandemic bands, nice round ticks, titles with name and unit.

Labels are measured in the embedded Noto Sans (chart_text) and given room for a
fallback font up to FALLBACK times wider (a reader whose browser blocks web fonts),
so no label is cut or spills out of its chart.
"""

from __future__ import annotations

import base64
import functools
import math
import textwrap
from functools import cache
from importlib import resources

from cj_pipeline.lib.publish import chart_text
from cj_pipeline.lib.publish import pack_format as fmt

FONT_FAMILY = "Noto Sans"
FONT_FILES = {"400": "NotoSans-Regular", "700": "NotoSans-Bold"}
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00")
# Each series told apart by colour, dash and marker shape (readable in greyscale).
STYLES = (
    {"colour": PALETTE[0], "dash": "", "shape": "circle", "words": "solid blue line with circles"},
    {"colour": PALETTE[1], "dash": "6 3", "shape": "square", "words": "dashed orange line with squares"},
    {"colour": PALETTE[2], "dash": "2 2", "shape": "triangle", "words": "dotted green line with triangles"},
)
SIZE, SMALL, TITLE = 11, 10, 12  # font sizes, px
FALLBACK = 1.22  # DejaVu Sans, the usual fallback, is up to a fifth wider than Noto Sans
PANEL_W, PANEL_H, PANEL_GAP = 230, 120, 18
BAR_W, BAR_STEP = 440, 17
ROTATED = math.cos(math.pi / 4)  # year labels are turned 45 degrees


def _fonts_dir():
    return resources.files("cj_pipeline.lib.publish") / "fonts"


@cache
def font_face_css() -> str:
    """@font-face rules with the font inlined (WOFF2, Latin subset), so a pack stays one offline file."""
    rules = []
    for weight, stem in FONT_FILES.items():
        data = base64.b64encode((_fonts_dir() / f"{stem}.woff2").read_bytes()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:{weight};"
            f"font-display:block;src:url(data:font/woff2;base64,{data}) format('woff2')}}"
        )
    return "\n".join(rules)


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [text]


@functools.lru_cache(maxsize=4096)  # the same years, ticks and names recur in every pack
def room(text: str, size: float = SIZE, bold: bool = False) -> float:
    """The width to leave for `text`: its width in Noto Sans, widened for a fallback font."""
    return chart_text.width(text, size, bold) * FALLBACK


def nice_ticks(low: float, high: float, target: int) -> list[float]:
    """Round ticks from at or below min(low, 0) to at or above high: steps of 1, 2, 2.5 or 5 x 10^n."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1.0
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def tick_label(value: float, ticks: list[float]) -> str:
    """'4,000', '2.5', '0': as many decimals as the step needs, thousands separated."""
    step = ticks[1] - ticks[0]
    decimals = next(d for d in range(7) if abs(step * 10**d - round(step * 10**d)) < 1e-6 or d == 6)
    return f"{value:,.{decimals}f}"


def _scale(ticks: list[float], start: float, end: float):
    """value -> pixel, the first tick at `start` and the last at `end`."""
    low, high = ticks[0], ticks[-1]
    return lambda v: start + (end - start) * (v - low) / (high - low)


def trend_panels(inputs, codes: dict[str, str], indicators: list[str]) -> list[dict]:
    """One panel per indicator with a published value. codes: area code -> series name (the area
    first). Each series holds one cell per year, (value, marker): [c] and [x] have no value and
    are drawn as gaps, never as 0. A count is drawn for the first series only (not against
    Scotland's total)."""
    panels = []
    for indicator in indicators:
        unit = inputs.unit(indicator)
        series = []
        for k, (code, name) in enumerate(codes.items()):
            if unit == "count" and k > 0:
                continue
            rows = [inputs.value(code, indicator, year) for year in inputs.years]
            cells = [(None, "[x]") if r is None else (r["value"], r["marker"] or "") for r in rows]
            cells = [(None if v is None else float(v), m) for v, m in cells]
            if any(v is not None for v, _ in cells):
                series.append({"name": name, "style": k, "cells": cells})
        if series:
            title = wrap(f"{inputs.name(indicator)} ({fmt.unit_label(unit)})", 40)
            panels.append({"indicator": indicator, "title": title, "series": series})
    return panels


def _segments(cells: list, years: list[str], x, y) -> tuple[str, list[dict], list[int]]:
    """A series' path (a gap where a year has no value, a new start after a break in series), its
    points, and the years (indexes) where its series breaks."""
    path, points, breaks, joined = [], [], [], False
    for i, (value, marker) in enumerate(cells):
        if value is None:
            joined = False
            continue
        broken = "[b]" in fmt.markers(marker)
        if broken and i > 0:
            breaks.append(i)
        path.append(f"{'L' if joined and not broken else 'M'}{x(i):.1f},{y(value):.1f}")
        points.append(
            {"x": round(x(i), 1), "y": round(y(value), 1), "year": years[i], "value": value, "hollow": bool(marker)}
        )
        joined = True
    return "".join(path), points, breaks


def _panel(panel: dict, ticks: list[float], years: list[str], left: float, top: float) -> dict:
    """One panel's geometry on its own y ticks; (left, top): the plot's corner inside the panel."""
    y = _scale(ticks, top + PANEL_H, top)
    step = PANEL_W / len(years)

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    series, breaks = [], set()
    for s in panel["series"]:
        path, points, broken = _segments(s["cells"], years, x, y)
        breaks |= set(broken)
        series.append({"name": s["name"], "style": STYLES[s["style"]], "path": path, "points": points})
    pandemic = [i for i, year in enumerate(years) if year in fmt.PANDEMIC_YEARS]
    return {
        "indicator": panel["indicator"],
        "plot": {"x": left, "y": top, "w": PANEL_W, "h": PANEL_H},
        "title": [{"x": left + PANEL_W / 2, "y": 13 + 14 * k, "text": line} for k, line in enumerate(panel["title"])],
        "yticks": [{"y": round(y(t), 1), "label": tick_label(t, ticks), "value": t} for t in ticks],
        "xticks": [{"x": round(x(i), 1), "label": year} for i, year in enumerate(years)],
        "bands": [{"x": x(i) - step / 2, "w": step} for i in pandemic],
        "breaks": [round(x(i) - step / 2, 1) for i in sorted(breaks)],
        "series": series,
    }


def _legend(series: list[tuple[str, int]], top: float) -> tuple[list[dict], float]:
    """Legend items in a row (wrapping past 600 px); their height."""
    items, at, row = [], 0.0, 0
    for name, style in series:
        wide = 34 + room(name) + 16
        if at and at + wide > 600:
            at, row = 0.0, row + 1
        items.append({"x": at, "y": top + 18 * row, "name": name, "style": STYLES[style]})
        at += wide
    return items, (18 * (row + 1) + 8 if items else 0)


def trend_chart(panels: list[dict], years: list[str], columns: int) -> dict:
    """Small multiples, `columns` panels a row (at least 1), each with its own y scale; a legend on
    top when there is more than one series."""
    columns = max(columns, 1)
    named = {(s["name"], s["style"]) for p in panels for s in p["series"]}
    # A legend unless the one series drawn is the first (an area alone, or Scotland in its own pack).
    keyed = len(named) > 1 or any(style > 0 for _, style in named)
    legend, legend_h = _legend(sorted(named, key=lambda pair: pair[1]), 6) if keyed else ([], 0)
    scales = [nice_ticks(*_extent(p), 4) for p in panels]
    ticks = [tick_label(t, scale) for scale in scales for t in scale]
    year_room = max(room(y) for y in years) * ROTATED
    overhang = max(room(line) for p in panels for line in p["title"]) / 2 - PANEL_W / 2
    left = max(max(room(t) for t in ticks) + 8, year_room - PANEL_W / len(years) / 2 + 6, overhang + 4)
    right = max(12.0, overhang + 4)
    title_h = 14 * max(len(p["title"]) for p in panels) + 6
    cell_w, cell_h = left + PANEL_W + right, title_h + PANEL_H + 8 + year_room + SIZE + 4
    laid = []
    for k, (panel, scale) in enumerate(zip(panels, scales, strict=True)):
        ox, oy = (k % columns) * (cell_w + PANEL_GAP), legend_h + (k // columns) * (cell_h + PANEL_GAP)
        laid.append({"x": round(ox, 1), "y": round(oy, 1), **_panel(panel, scale, years, round(left, 1), title_h)})
    rows = math.ceil(len(panels) / columns)
    return {
        "kind": "trend",
        "width": math.ceil(min(columns, len(panels)) * (cell_w + PANEL_GAP) - PANEL_GAP),
        "height": math.ceil(legend_h + rows * (cell_h + PANEL_GAP) - PANEL_GAP),
        "legend": legend,
        "panels": laid,
    }


def _extent(panel: dict) -> tuple[float, float]:
    values = [v for s in panel["series"] for v, _ in s["cells"] if v is not None]
    return min(values), max(values)


def ranked_chart(bars: list[dict], scotland: dict | None, title: list[str]) -> dict:
    """Every area named, ranked from highest to lowest; an area without a publishable value shows its
    marker where its bar would start. bars: {area, value, label}; scotland: {value, label} or None
    (a count is not drawn against Scotland's total)."""
    ranked = sorted(bars, key=lambda b: (b["value"] is None, -(b["value"] or 0)))
    values = [b["value"] for b in ranked if b["value"] is not None] + ([scotland["value"]] if scotland else [])
    ticks = nice_ticks(min(values, default=0.0), max(values, default=1.0), 6)
    subtitle = f"Dashed line: Scotland, {scotland['label']}" if scotland else ""
    head = 16 * len(title) + (16 if subtitle else 0) + (22 if scotland else 8)
    left = max(room(b["area"]) for b in ranked) + 10
    x = _scale(ticks, left, left + BAR_W)
    rows = [
        {
            "y": head + BAR_STEP * k,
            "area": b["area"],
            "value": b["value"],
            "x": round(min(x(0), x(b["value"] or 0)), 1),
            "w": None if b["value"] is None else round(abs(x(b["value"]) - x(0)), 1),
            "label": b["label"],
            "label_x": round(max(x(0), x(b["value"] or 0)) + (4 if b["value"] is not None else 3), 1),
        }
        for k, b in enumerate(ranked)
    ]
    bottom = head + BAR_STEP * len(ranked)
    wide = max(
        max(r["label_x"] + room(r["label"], SMALL) for r in rows) + 8,
        left + BAR_W + room(tick_label(ticks[-1], ticks)) / 2 + 4,
        max(room(t, TITLE, True) for t in title) + 4,
        room(subtitle) + 4,
    )
    line = None
    if scotland:
        at, half = x(scotland["value"]), room("Scotland") / 2 + 2
        line = {"x": round(at, 1), "label_x": round(min(max(at, half), wide - half), 1)}
    return {
        "kind": "ranked",
        "width": math.ceil(wide),
        "height": math.ceil(bottom + 8 + SIZE + 8),
        "title": [{"y": 14 + 16 * k, "text": t} for k, t in enumerate(title)],
        "subtitle": {"y": 14 + 16 * len(title), "text": subtitle} if subtitle else None,
        "plot": {"x": round(left, 1), "y": head, "w": BAR_W, "h": bottom - head, "zero": round(x(0), 1)},
        "xticks": [{"x": round(x(t), 1), "label": tick_label(t, ticks), "value": t} for t in ticks],
        "rows": rows,
        "scotland": line,
        "step": BAR_STEP,
    }
