"""The packs' charts as drawn: each point and bar sits where the published value puts it on the
chart's own axis, a suppressed figure is a gap or its marker (never 0), a break in series starts
a new line and is marked, and every area is named on the ranked bars.

The SVG is read back as XML from the Jinja2 macros that draw it (what the pages hold)."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from cj_pipeline.lib.publish import pack_charts, packs
from cj_pipeline.lib.publish.pack_inputs import SCOTLAND_CODE, Inputs

NS = {"s": "http://www.w3.org/2000/svg"}
YEARS = ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]
AREAS = {"S1": "Fife", "S2": "Na h-Eileanan Siar", "S3": "Dumfries and Galloway"}
RATE = "NO1_RATE"
COUNT = "NO1_COUNT"
# (value, marker) per year; None: no row published for that year.
PUBLISHED = {
    ("S1", RATE): [(5.5, ""), (None, "[c]"), (3.0, ""), (4.1, "[b]"), (6.2, "[p]")],
    (SCOTLAND_CODE, RATE): [(5.7, ""), (5.9, ""), (3.4, ""), (4.4, ""), (7.3, "")],
    ("S1", COUNT): [(120.0, ""), (140.0, ""), (None, "[x]"), None, (1310.0, "")],
    (SCOTLAND_CODE, COUNT): [(2500.0, ""), (2600.0, ""), (1500.0, ""), (2000.0, ""), (2700.0, "")],
    ("S2", RATE): [(9.0, "")] * 4 + [(None, "[c]")],
    ("S3", RATE): [(1.0, "")] * 4 + [(11.6, "[r]")],
}


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    catalogue = {
        RATE: {
            "outcome_id": "NO1",
            "source": "cjs",
            "description": "Cases commenced per 10000 people",
            "unit": "rate_per_10000",
        },
        COUNT: {"outcome_id": "NO1", "source": "cjs", "description": "Cases commenced", "unit": "count"},
    }
    found = Inputs(year=YEARS[-1], release_id="t", areas=AREAS, catalogue=catalogue, outcomes={"NO1": "x"}, years=YEARS)
    for (area, indicator), cells in PUBLISHED.items():
        for year, cell in zip(YEARS, cells, strict=True):
            if cell is not None:
                found.values[(area, indicator, year)] = {"value": cell[0], "marker": cell[1] or None}
    return found


def _draw(drawing: dict) -> ET.Element:
    svg = str(packs.environment().get_template("_charts.html.j2").module.draw(drawing))
    return ET.fromstring(svg)  # well-formed XML, or this fails


def _axis(ticks) -> tuple[float, float, float, float]:
    """Two tick labels and their positions: (value0, pixel0, value1, pixel1)."""
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    return v0, p0, v1, p1


def _value_at(pixel: float, axis) -> float:
    v0, p0, v1, p1 = axis
    return v0 + (pixel - p0) * (v1 - v0) / (p1 - p0)


def _label_value(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture(scope="module")
def area_trend(inputs):
    figure = packs.trend_figure(inputs, "NO1", {"S1": "Fife", SCOTLAND_CODE: "Scotland"})
    return figure, _draw(figure["drawing"])


def _panels(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-indicator"): g for g in svg.iterfind(".//s:g[@class='panel']", NS)}


def _y_axis(panel: ET.Element):
    ticks = [(_label_value(t.text), float(t.get("y"))) for t in panel.iterfind("s:text[@class='ytick']", NS)]
    assert len(ticks) >= 3 and all(a[0] < b[0] and a[1] > b[1] for a, b in zip(ticks, ticks[1:], strict=False)), ticks
    return _axis(ticks)


def _x_of_year(panel: ET.Element) -> dict[str, float]:
    found = {}
    for t in panel.iterfind("s:text[@class='xtick']", NS):
        found[t.text] = float(re.match(r"translate\(([\d.]+),", t.get("transform"))[1])
    return found


def test_trend_points_sit_on_the_published_values_against_their_axis(area_trend):
    _, svg = area_trend
    panels = _panels(svg)
    assert set(panels) == {RATE, COUNT}
    for indicator, panel in panels.items():
        axis, x_of = _y_axis(panel), _x_of_year(panel)
        assert list(x_of) == YEARS
        series = {g.get("data-series"): g for g in panel.iterfind("s:g[@class='series']", NS)}
        # A count is drawn for the area alone, not against Scotland's total.
        assert set(series) == ({"Fife", "Scotland"} if indicator == RATE else {"Fife"})
        for name, group in series.items():
            code = "S1" if name == "Fife" else SCOTLAND_CODE
            expected = {
                y: c[0] for y, c in zip(YEARS, PUBLISHED[(code, indicator)], strict=True) if c and c[0] is not None
            }
            points = group.findall("*[@class='point']", NS)
            assert {p.get("data-year"): float(p.get("data-value")) for p in points} == expected
            for p in points:
                cx = float(p.get("cx") or float(p.get("x")) + float(p.get("width")) / 2)
                cy = float(p.get("cy") or float(p.get("y")) + float(p.get("height")) / 2)
                assert _value_at(cy, axis) == pytest.approx(expected[p.get("data-year")], abs=0.02)
                assert cx == pytest.approx(x_of[p.get("data-year")], abs=0.1)


def _vertices(path: str) -> list[tuple[str, float, float]]:
    return [(cmd, float(x), float(y)) for cmd, x, y in re.findall(r"([ML])([\d.]+),([\d.]+)", path)]


def test_a_suppressed_year_is_a_gap_never_zero(area_trend):
    _, svg = area_trend
    panel = _panels(svg)[RATE]
    x_of, axis = _x_of_year(panel), _y_axis(panel)
    fife = panel.find("s:g[@data-series='Fife']", NS)
    assert "2019-20" not in {p.get("data-year") for p in fife.findall("*[@class='point']", NS)}
    vertices = _vertices(fife.find("s:path", NS).get("d"))
    assert all(abs(x - x_of["2019-20"]) > 1 for _, x, _ in vertices)  # nothing drawn in the [c] year
    assert all(_value_at(y, axis) > 0.5 for _, _, y in vertices)  # no vertex dropped to 0
    after_gap = next(cmd for cmd, x, _ in vertices if abs(x - x_of["2020-21"]) < 0.1)
    assert after_gap == "M"  # the line is not carried across the gap


def test_a_break_in_series_starts_a_new_line_and_is_marked(area_trend):
    figure, svg = area_trend
    panel = _panels(svg)[RATE]
    x_of = _x_of_year(panel)
    fife = panel.find("s:g[@data-series='Fife']", NS)
    vertices = _vertices(fife.find("s:path", NS).get("d"))
    assert next(cmd for cmd, x, _ in vertices if abs(x - x_of["2021-22"]) < 0.1) == "M"
    breaks = [float(line.get("x1")) for line in panel.iterfind("s:line[@class='series-break']", NS)]
    assert breaks == [pytest.approx((x_of["2020-21"] + x_of["2021-22"]) / 2, abs=0.1)]
    assert "break in the series" in figure["description"]
    # A provisional figure is drawn hollow; an unmarked one filled.
    fill = {p.get("data-year"): p.get("fill") for p in fife.findall("*[@class='point']", NS)}
    assert fill["2022-23"] == "#fff" and fill["2018-19"] != "#fff"


def test_series_differ_by_colour_dash_and_shape(area_trend):
    figure, svg = area_trend
    panel = _panels(svg)[RATE]
    styles = {}
    for group in panel.iterfind("s:g[@class='series']", NS):
        path = group.find("s:path", NS)
        shapes = {child.tag.split("}")[1] for child in group.findall("*[@class='point']", NS)}
        styles[group.get("data-series")] = (path.get("stroke"), path.get("stroke-dasharray"), frozenset(shapes))
    fife, scotland = styles["Fife"], styles["Scotland"]
    assert all(a != b for a, b in zip(fife, scotland, strict=True)), styles
    legend = [t.text for t in svg.iterfind(".//s:g[@class='legend-item']/s:text", NS)]
    assert legend == ["Fife", "Scotland"]
    assert "Fife solid blue line with circles and Scotland dashed orange line with squares" in figure["description"]


@pytest.fixture(scope="module")
def ranked(inputs):
    bars = [
        {"area": name, "value": c[0], "label": f"{c[0]:.1f}" if c[0] is not None else c[1]}
        for code, name in AREAS.items()
        for c in [PUBLISHED[(code, RATE)][-1]]
    ]
    drawing = pack_charts.ranked_chart(bars, {"value": 7.3, "label": "7.3"}, ["A title"])
    return bars, _draw(drawing)


def test_ranked_bars_name_every_area_in_order_and_match_their_values(ranked):
    bars, svg = ranked
    names = [t.text for t in svg.iterfind("s:text[@class='area']", NS)]
    assert names == ["Dumfries and Galloway", "Fife", "Na h-Eileanan Siar"]  # highest first, no figure last
    ticks = [(_label_value(t.text), float(t.get("x"))) for t in svg.iterfind("s:text[@class='xtick']", NS)]
    axis = _axis(ticks)
    drawn = {r.get("data-area"): r for r in svg.iterfind("s:rect[@class='bar']", NS)}
    for bar in bars:
        if bar["value"] is None:
            continue
        rect = drawn[bar["area"]]
        start, end = float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))
        assert _value_at(start, axis) == pytest.approx(0, abs=0.02)
        assert _value_at(end, axis) == pytest.approx(bar["value"], abs=0.02)
    scotland = svg.find("s:line[@class='scotland']", NS)
    assert _value_at(float(scotland.get("x1")), axis) == pytest.approx(7.3, abs=0.02)


def test_an_area_without_a_figure_shows_its_marker_not_a_bar(ranked):
    _, svg = ranked
    assert "Na h-Eileanan Siar" not in {r.get("data-area") for r in svg.iterfind("s:rect", NS)}
    marker = svg.find("s:text[@data-area='Na h-Eileanan Siar']", NS)
    assert marker.text == "[c]" and marker.get("class") == "marker"


@pytest.mark.parametrize(("low", "high"), [(0, 7.3), (0, 11.6), (0, 2700), (3.2, 3.4), (0, 0), (-4, 9), (0, 0.07)])
def test_ticks_are_round_and_cover_the_values(low, high):
    ticks = pack_charts.nice_ticks(low, high, 5)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and 3 <= len(ticks) <= 12, ticks
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5)
    assert ticks[0] <= min(low, 0) and ticks[-1] >= high
    labels = [pack_charts.tick_label(t, ticks) for t in ticks]
    assert len(set(labels)) == len(labels)  # no two ticks read the same
