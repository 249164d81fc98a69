"""Self-contained HTML report packs for people: one per area and one for Scotland.

Outcome first, as readers' own reports are laid out (design notes, readers.md): key
points, then one section per national outcome NO1-NO9 in framework order. An area
pack is what a partnership needs for its section 23 annual report (indicators against
Scotland and the family group, trend, the chain with attrition, local evidence, its
own assessment); the Scotland pack follows the national section 27 report (Scotland's
figures and trend, the spread across the 32 areas, what areas report as evidence).

Built only from the disclosure-controlled tables; markers show as markers. HTML comes
from Jinja2 templates (templates/) with autoescaping, so text supplied by areas is
always data. Charts are static SVG (pack_charts), each a <figure> with a caption and
a data table; the font is embedded, so a pack is one offline file that looks the same
on every machine and prints to A4.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cj_pipeline.lib.core.templating import compiled_templates
from cj_pipeline.lib.publish import pack_charts as charts
from cj_pipeline.lib.publish import pack_format as fmt
from cj_pipeline.lib.publish import pack_sections as sections
from cj_pipeline.lib.publish import pack_summaries as summaries
from cj_pipeline.lib.publish.pack_inputs import NATIONAL_OUTCOMES, SCOTLAND_CODE, Inputs, build_inputs, scotland_only

CSS = """
body{font-family:'Noto Sans',Arial,Helvetica,sans-serif;margin:1.5rem auto;max-width:1040px;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:3px solid #0072B2;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-top:1.4rem}.outcome-id{color:#005a8c;margin-right:.3rem}
a{color:#0b4f8a}.note,.unit{color:#444;font-size:.85rem}.unit{font-weight:normal}
.table-wrap{max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:.88rem;width:100%;table-layout:auto}
caption{text-align:left;font-weight:bold;padding:.2rem 0}
th,td{border:1px solid #bbb;padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:#e8eef6}.nobr{white-space:nowrap}tbody th{font-weight:normal}td.num{text-align:right;white-space:nowrap;overflow-wrap:normal}
table.compact{font-size:.78rem}
@media (min-width:700px){thead th{overflow-wrap:normal}} /* on a page wide enough a heading keeps its words whole */
.badge{display:inline-block;overflow-wrap:normal;border:1px solid #7a5a00;background:#fff4d6;color:#3d2d00;border-radius:3px;padding:0 .3rem;margin:.1rem 0;font-size:.78rem}
.dir{font-weight:bold}.dir-improving{color:#00603f}.dir-worsening{color:#8f2d00}
.status{display:inline-block;min-width:9.5rem;font-weight:bold}.status-in-place{color:#00603f}
.status-not-in-place,.status-not-given{color:#8f2d00}.commentary{color:#333;font-size:.88rem}
ul.evidence li,ul.key-points li,ul.evidence-summary li{margin:.35rem 0}
ol.chain{display:flex;flex-wrap:wrap;gap:.4rem 2rem;padding-left:1.2rem}
p.assessment{font-size:1.05rem;background:#eef4fa;padding:.4rem .6rem;border-left:4px solid #0072B2}
dl.s23 dt{font-weight:bold;margin-top:.4rem}dl.s23 dd{margin-left:0;white-space:pre-line}
dl.definitions dt{font-weight:bold;margin-top:.5rem}dl.definitions dd{margin-left:1rem}
figure{margin:1rem 0}figcaption{font-weight:bold;margin-bottom:.3rem}
.chart-image svg{max-width:100%;height:auto}
details summary{cursor:pointer;color:#0b4f8a}
@page{size:A4;margin:14mm}
@media print{
 body{margin:0;max-width:none;font-size:9.5pt;padding:0}
 nav{display:none}h2{break-after:avoid}h3{break-after:avoid}
 figure,tr,li,dl{break-inside:avoid}section.outcome{break-before:page}
 a{color:inherit;text-decoration:none}
}
"""
TREND_COLUMNS = 3


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cj_pipeline.lib.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=compiled_templates(),
    )
    return env


def _trend_ids(inputs: Inputs, outcome: str, for_scotland: bool) -> list[str]:
    """Counts, rates and percentages of the outcome; attrition ratios are in the chain instead."""
    ids = [i for i in inputs.indicators_of(outcome) if not i.startswith("ATT_")]
    return ids if for_scotland else [i for i in ids if not scotland_only(inputs, i)]


def _trend_table(inputs: Inputs, codes: dict[str, str], ids: list[str]) -> tuple[list[str], list[list[str]]]:
    headers = ["Indicator and series"] + [y + (" (pandemic)" if y in fmt.PANDEMIC_YEARS else "") for y in inputs.years]
    rows = []
    for indicator in ids:
        unit = inputs.unit(indicator)
        for code, series in codes.items():
            cells = [inputs.value(code, indicator, y) for y in inputs.years]
            if all(c is None for c in cells):
                continue
            label = f"{inputs.name(indicator)} ({fmt.unit_label(unit)}): {series}"
            rows.append([label] + [fmt.shown(c["value"], c["marker"], unit) if c else "[x]" for c in cells])
    return headers, rows


def trend_figure(inputs: Inputs, outcome: str, codes: dict[str, str]) -> dict | None:
    """codes: area code -> series name (the area first). Counts are drawn for the area alone."""
    ids = _trend_ids(inputs, outcome, for_scotland=list(codes) == [SCOTLAND_CODE])
    panels = charts.trend_panels(inputs, codes, ids)
    if not panels:
        return None
    # Four panels as 2 x 2 rather than 3 + 1.
    columns = 2 if len(panels) == 4 else min(TREND_COLUMNS, len(panels))
    drawing = charts.trend_chart(panels, inputs.years, columns)
    headers, rows = _trend_table(inputs, codes, ids)
    names = fmt.listing(list(codes.values()))
    return {
        "drawing": drawing,
        "caption": f"{outcome} trends, {names}, {inputs.years[0]} to {inputs.year}",
        "description": _trend_description(drawing),
        "headers": headers,
        "rows": rows,
    }


def _trend_description(drawing: dict) -> str:
    """How to read the chart in words: each series' line and marker, bands, gaps, breaks."""
    points = [pt for p in drawing["panels"] for s in p["series"] for pt in s["points"]]
    parts = ["One small chart per indicator"]
    if drawing["legend"]:
        drawn = fmt.listing([f"{item['name']} {item['style']['words']}" for item in drawing["legend"]])
        parts[0] += f": {drawn} (Scotland for rates and percentages only)"
    parts.append("grey bands mark the pandemic years")
    parts.append("suppressed and unavailable years are gaps, never zero")
    if any(pt["hollow"] for pt in points):
        parts.append("a hollow point is a figure with a marker, such as provisional or revised (see the data)")
    if any(p["breaks"] for p in drawing["panels"]):
        parts.append("a dotted vertical line marks a break in the series")
    return "; ".join(parts) + "."


def spread_figure(inputs: Inputs, outcome: str) -> dict | None:
    indicator = summaries.spread_indicator(inputs, outcome)
    if indicator is None:
        return None
    unit = inputs.unit(indicator)
    bars = []
    for code, name in inputs.areas.items():
        row = inputs.value(code, indicator)
        value = row["value"] if row else None
        label = fmt.shown(value, row["marker"] if row else "[x]", unit)
        bars.append({"area": name, "value": None if value is None else float(value), "label": label})
    scotland = inputs.value(SCOTLAND_CODE, indicator)
    title = f"{inputs.name(indicator)} ({fmt.unit_label(unit)}), {inputs.year}"
    # Scotland's line only where it is comparable: a rate or percentage, not a total count.
    line = None
    if scotland and scotland["value"] is not None and unit != "count":
        line = {"value": float(scotland["value"]), "label": fmt.shown(scotland["value"], scotland["marker"], unit)}
    ids, table = summaries.spread_rows(inputs, outcome)
    return {
        "drawing": charts.ranked_chart(bars, line, charts.wrap(title, 70)),
        "caption": f"{outcome}: every area on {fmt.lower_first(inputs.name(indicator))}, {inputs.year}",
        "description": "Areas ranked from highest to lowest, each named; areas whose figure is suppressed or "
        "not available show the marker instead of a bar. The data table holds every indicator of the outcome.",
        "headers": ["Area"] + [f"{inputs.name(i)} ({fmt.unit_label(inputs.unit(i))})" for i in ids],
        "rows": [[r["area"], *r["cells"]] for r in table],
    }


def _page(env: Environment, template: str, path: Path, **context) -> Path:
    html = env.get_template(template).render(css=Markup(CSS), font_css=Markup(charts.font_face_css()), **context)
    path.write_text(html, encoding="utf-8")
    return path


def area_pack(env, inputs: Inputs, code: str, out_dir: Path, shared: dict) -> Path:
    name = inputs.areas[code]
    # A Scotland-only outcome (NO9) has the same chart in every pack: built once, not per area.
    chart_of = {
        o: shared[o]
        if all(scotland_only(inputs, i) for i in inputs.indicators_of(o))
        else trend_figure(inputs, o, {code: name, SCOTLAND_CODE: "Scotland"})
        for o in NATIONAL_OUTCOMES
    }
    groups = [inputs.bench[(code, i)]["comparator_group"] for i in inputs.catalogue if (code, i) in inputs.bench]
    return _page(
        env,
        "area_pack.html.j2",
        out_dir / f"{code}.html",
        title=f"{name}: community justice outcomes {inputs.year}",
        intro="For the partnership's section 23 annual report: each national outcome with its indicators, "
        "trend, local evidence and the partnership's own assessment.",
        year=inputs.year,
        release_id=inputs.release_id,
        area_name=name,
        group_label=fmt.lower_first(fmt.group_label(groups[0] if groups else None)),
        key_points=summaries.area_key_points(inputs, code),
        outcomes=[sections.area_outcome(inputs, code, o, chart_of) for o in NATIONAL_OUTCOMES],
        local_outcomes=sections.local_outcomes(inputs, code),
        definitions=sections.definitions(
            inputs,
            [i for o in NATIONAL_OUTCOMES for i in inputs.indicators_of(o)]
            + [i for o in NATIONAL_OUTCOMES for i in inputs.indicators_of(o, True)],
        ),
        lineage=sections.lineage(inputs, code),
    )


def scotland_pack(env, inputs: Inputs, out_dir: Path, shared: dict) -> Path:
    spreads = {o: spread_figure(inputs, o) for o in NATIONAL_OUTCOMES}
    return _page(
        env,
        "scotland_pack.html.j2",
        out_dir / f"{SCOTLAND_CODE}.html",
        title=f"Scotland: community justice outcomes {inputs.year}",
        intro="In the shape of the national section 27 report: per national outcome, Scotland's figures and "
        "trend, how the 32 areas compare, and what areas report as local evidence and assessments.",
        year=inputs.year,
        release_id=inputs.release_id,
        key_points=summaries.scotland_key_points(inputs),
        outcomes=[summaries.scotland_outcome(inputs, o, shared, spreads) for o in NATIONAL_OUTCOMES],
        definitions=sections.definitions(inputs, [i for o in NATIONAL_OUTCOMES for i in inputs.indicators_of(o)]),
        lineage=sections.lineage(inputs, SCOTLAND_CODE),
    )


def write_packs(
    out_dir: Path,
    year: str,
    release_id: str,
    tables: dict[str, pl.DataFrame],
    raw: dict,
    evidence: list[dict],
) -> list[Path]:
    """One pack per area and the Scotland pack, from the published tables (and, from `raw`, the
    indicator catalogue, area names and lineage; `evidence`: pack_inputs.local_evidence)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = build_inputs(year, release_id, tables, raw, evidence)
    env = environment()
    scotland_charts = {o: trend_figure(inputs, o, {SCOTLAND_CODE: "Scotland"}) for o in NATIONAL_OUTCOMES}
    pages = [area_pack(env, inputs, code, out_dir, scotland_charts) for code in inputs.areas]
    pages.append(scotland_pack(env, inputs, out_dir, scotland_charts))
    return pages
