"""Charts of the report packs: altair specs rendered to static SVG by vl-convert.

Charts are laid out with the font the packs embed (Noto Sans, fonts/), registered
with vl-convert, so the text widths vl-convert measures are the widths every
browser draws: no label is cut or spills out of its chart whatever fonts the
reader's machine has. Identical charts (the same spec) are rendered once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import textwrap
from functools import cache
from importlib import resources

import altair as alt
import vl_convert as vlc

from cj_pipeline.lib.publish import chart_render
from cj_pipeline.lib.publish import pack_format as fmt

FONT_FAMILY = "Noto Sans"
FONT_FILES = {"400": "NotoSans-Regular", "700": "NotoSans-Bold"}
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00")
CONFIG = {
    "font": FONT_FAMILY,
    # Room for a wider fallback font (a reader whose browser blocks web fonts, or a print before the
    # embedded font loaded): labels are measured in Noto Sans, DejaVu Sans is up to a fifth wider.
    "padding": {"left": 36, "right": 36, "top": 6, "bottom": 6},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 0},
    "header": {"labelFontSize": 11, "labelLimit": 0},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 0},
    "title": {"fontSize": 12, "anchor": "start"},
    "view": {"stroke": "#ccc"},
}
PLACEHOLDER = "<!--cj-chart:{}-->"
PLACEHOLDER_RE = re.compile(r"<!--cj-chart:([0-9a-f]{64})-->")


def _fonts_dir():
    return resources.files("cj_pipeline.lib.publish") / "fonts"


register_fonts = chart_render.register_fonts


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


class Renderer:
    """Collects the packs' charts, each distinct spec once, as placeholders in the pages; `fill`
    renders them all in one go (chart_render: across processes) and puts each SVG in its place."""

    def __init__(self) -> None:
        self._jobs: dict[str, tuple[str, dict]] = {}
        self._done: dict[str, str] = {}

    @property
    def calls(self) -> int:
        return len(self._jobs)

    def svg(self, chart: alt.TopLevelMixin | dict) -> str:
        """An altair chart (Vega-Lite) or a dict holding a compiled Vega spec; a placeholder that
        autoescaped text can never produce (it holds a '<')."""
        if isinstance(chart, dict):
            job = ("vega", chart)
        else:
            # Our own specs: schema validation (slow in altair) adds nothing per chart.
            job = ("vega-lite", chart.to_dict(validate=False) | {"config": CONFIG})
        key = hashlib.sha256(json.dumps(job[1], sort_keys=True, default=str).encode()).hexdigest()
        self._jobs.setdefault(key, job)
        return PLACEHOLDER.format(key)

    def fill(self, html: str) -> str:
        """The page with every chart drawn (all charts collected so far are rendered first)."""
        todo = [k for k in self._jobs if k not in self._done]
        self._done |= dict(zip(todo, chart_render.render_all([self._jobs[k] for k in todo]), strict=True))
        return PLACEHOLDER_RE.sub(lambda m: self._done[m[1]], html)


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [text]


SERIES = ("__series_0__", "__series_1__", "__series_2__")


@cache
def _trend_spec(n_series: int, columns: int) -> str:
    """The trend chart's spec without data or series names, built by altair once per shape (altair is
    slow per chart). One indicator: a single panel (far cheaper to render than a facet)."""
    series = list(SERIES[:n_series])
    base = alt.Chart().encode(x=alt.X("financial_year:O", title=None, axis=alt.Axis(labelAngle=-45)))
    band = base.transform_filter("datum.pandemic").mark_rect(color="#999", opacity=0.25)
    lines = base.mark_line(point=True, strokeWidth=2).encode(
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",~r")),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=series, range=list(PALETTE[:n_series])),
            legend=alt.Legend(orient="top") if n_series > 1 else None,
        ),
        strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=series)),
    )
    layered = alt.layer(band, lines, data=alt.Data(name="points")).properties(width=230, height=120)
    if columns == 0:
        chart = layered.properties(title=alt.Title("__title__", anchor="middle", fontSize=11, fontWeight="normal"))
    else:
        facet = alt.Facet(
            "label:N",
            title=None,
            sort=alt.EncodingSortField(field="order", op="min"),  # framework order, not alphabetical
            header=alt.Header(labelExpr="split(datum.value, '|')"),
        )
        chart = layered.facet(facet=facet, columns=columns).resolve_scale(y="independent")
    return json.dumps(chart.to_dict(validate=False))


@cache
def _trend_vega(n_series: int, columns: int) -> str:
    """The trend spec compiled to Vega once per shape: each chart then only swaps in its data."""
    spec = json.loads(_trend_spec(n_series, columns))
    spec["config"] = CONFIG
    return json.dumps(vlc.vegalite_to_vega(spec))


def trend_chart(points: list[dict], series: list[str], columns: int) -> dict:
    """A Vega spec: small multiples, one per indicator (facet title = name and unit), pandemic years
    shaded; columns 0: one indicator in a single panel titled with its name and unit.

    points: {label, order, series, financial_year, value, pandemic}; label lines joined by '|'.
    """
    text = _trend_vega(len(series), columns)
    for placeholder, name in zip(SERIES, series, strict=False):
        text = text.replace(json.dumps(placeholder), json.dumps(name))
    if columns == 0:
        text = text.replace(json.dumps("__title__"), json.dumps(points[0]["label"].split("|")))
    spec = json.loads(text)
    for data in spec["data"]:
        if data["name"] == "points":
            data["values"] = points
    return spec


def spread_chart(bars: list[dict], scotland: float | None, title: list[str], subtitle: str) -> alt.TopLevelMixin:
    """Every area named, ranked by value; areas without a publishable value show their marker."""
    order = [b["area"] for b in sorted(bars, key=lambda b: (b["value"] is None, -(b["value"] or 0)))]
    y = alt.Y("area:N", title=None, sort=order)
    drawn = alt.Chart().transform_filter("datum.value != null")
    layers = [
        drawn.mark_bar(color=PALETTE[0]).encode(y=y, x=alt.X("value:Q", title=None, axis=alt.Axis(format=",~r"))),
        drawn.mark_text(align="left", dx=3, fontSize=10).encode(y=y, x="value:Q", text="label:N"),
        alt.Chart()
        .transform_filter("datum.value == null")
        .mark_text(align="left", fontSize=10, color="#444")
        .encode(y=y, x=alt.datum(0), text="label:N"),
    ]
    if scotland is not None:
        layers.append(
            alt.Chart().mark_rule(color=PALETTE[1], strokeDash=[4, 3], strokeWidth=2).encode(x=alt.datum(scotland))
        )
    return alt.layer(*layers, data=alt.Data(values=bars)).properties(
        width=440, height=alt.Step(15), title=alt.Title(title, subtitle="Dashed line: Scotland")
    )


def trend_points(inputs, codes: dict[str, str], indicators: list[str]) -> list[dict]:
    """codes: area code -> series name. Values as published; [c] and [x] are gaps, not zeros."""
    points = []
    for order, indicator in enumerate(indicators):
        unit = inputs.unit(indicator)
        label = "|".join(wrap(f"{inputs.name(indicator)} ({fmt.unit_label(unit)})", 40))
        for code, series in codes.items():
            if unit == "count" and len(codes) > 1 and code != next(iter(codes)):
                continue  # a count is not drawn against Scotland's total
            for year in inputs.years:
                row = inputs.value(code, indicator, year)
                if row and row["value"] is not None:
                    points.append(
                        {
                            "label": label,
                            "order": order,
                            "series": series,
                            "financial_year": year,
                            "value": float(row["value"]),
                            # One shaded band per year: drawn from the first series only.
                            "pandemic": year in fmt.PANDEMIC_YEARS and series == next(iter(codes.values())),
                        }
                    )
    return points
