"""Self-contained HTML report packs: one per area and one for Scotland.

Built only from the disclosure-controlled tables. Charts are altair specs rendered
to static SVG with vl-convert and inlined, so a pack opens offline with no script.
To keep 33 packs fast, each pack has at most three charts: the trends as one
faceted chart (one small panel per indicator, area against Scotland, pandemic
years shaded), the attrition funnels and the comparator-group view. Every text is
HTML-escaped (safety.esc).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import altair as alt
import polars as pl
import vl_convert as vlc

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.publish.safety import esc

PANDEMIC_YEARS = ("2020-21", "2021-22")
FUNNELS = {
    "Diversion from prosecution": ("NO1_ASSESSMENTS", "NO1_COMMENCED", "NO1_COMPLETED"),
    "Bail supervision": ("NO3_ASSESSMENTS", "NO3_COMMENCED", "NO3_COMPLETED"),
}
FUNNEL_STEPS = ("Assessments", "Commenced", "Completed")
CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:1.5rem;max-width:1150px;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #0b3d91}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}td.num{text-align:right}.note{color:#555;font-size:.85rem}
figure{margin:0}svg{max-width:100%;height:auto}
"""


def _bars(rows: list[tuple[str, float]], title: str, unit: str) -> str:
    """A small horizontal bar chart as hand-written inline SVG (fast; no renderer)."""
    if not rows:
        return ""
    top = max(v for _, v in rows) or 1.0
    height = 22 * len(rows) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{height}" role="img" aria-label="{esc(title)}">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 24 + 22 * i
        width = 380 * value / top
        out.append(
            f'<text x="0" y="{y + 14}" font-size="12">{esc(label)}</text>'
            f'<rect x="220" y="{y}" width="{width:.1f}" height="16" fill="#0b3d91"/>'
            f'<text x="{225 + width:.1f}" y="{y + 13}" font-size="11">{esc(f"{value:,.1f}")}{esc(unit)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _svg(chart: alt.TopLevelMixin) -> str:
    # Our own specs: schema validation (slow in altair) adds nothing per chart.
    svg = vlc.vegalite_to_svg(chart.to_dict(validate=False))
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _fmt(value, marker) -> str:
    if value is None:
        return esc(marker or "[x]")
    text = f"{value:,.1f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:,.0f}"
    return esc(text + (f" {marker}" if marker else ""))


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _trend_chart(frame: pl.DataFrame, series_names: tuple[str, ...]) -> alt.TopLevelMixin:
    data = frame.to_pandas()
    base = alt.Chart().encode(x=alt.X("financial_year:O", title=None, axis=alt.Axis(labelAngle=-45)))
    first = series_names[0].replace("'", "\\'")
    band = base.transform_filter(f"datum.pandemic && datum.series == '{first}'").mark_rect(color="#999", opacity=0.25)
    lines = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=None),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=list(series_names), range=["#0b3d91", "#e07b00"][: len(series_names)]),
        ),
        tooltip=["series:N", "financial_year:O", "value:Q"],
    )
    return (
        alt.layer(band, lines, data=data)
        .properties(width=190, height=110)
        .facet(facet=alt.Facet("label:N", title=None, header=alt.Header(labelLimit=240)), columns=4)
        .resolve_scale(y="independent")
        .properties(title="Trends (shaded: pandemic years 2020-21 and 2021-22)")
    )


def _trend_frame(values: pl.DataFrame, codes: dict[str, str], indicators: list[str]) -> pl.DataFrame:
    """codes: area_code -> series name."""
    frame = values.filter(
        pl.col("area_code").is_in(list(codes))
        & pl.col("indicator_id").is_in(indicators)
        & pl.col("value").is_not_null()
    )
    return frame.select(
        pl.col("area_code").replace_strict(codes, default=None).alias("series"),
        "financial_year",
        pl.col("value").cast(pl.Float64),
        (pl.col("indicator_id") + " (" + pl.col("unit").str.replace("rate_per_10000", "per 10,000") + ")").alias(
            "label"
        ),
        pl.col("financial_year").is_in(list(PANDEMIC_YEARS)).alias("pandemic"),
    )


def _funnel_chart(values: pl.DataFrame, area: str, year: str) -> tuple[alt.TopLevelMixin | None, list[list[str]]]:
    lookup = {
        (r["indicator_id"]): r
        for r in values.filter((pl.col("area_code") == area) & (pl.col("financial_year") == year)).iter_rows(named=True)
    }
    rows, table = [], []
    for funnel, ids in FUNNELS.items():
        cells = []
        for step, ind in zip(FUNNEL_STEPS, ids, strict=True):
            r = lookup.get(ind)
            value, marker = (r["value"], r["marker"]) if r else (None, "[x]")
            cells.append(_fmt(value, marker))
            if value is not None:
                rows.append({"funnel": funnel, "step": step, "value": float(value)})
        table.append([esc(funnel), *cells])
    if not rows:
        return None, table
    svg = _bars(
        [(f"{r['funnel'].split()[0]}: {r['step']}", r["value"]) for r in rows],
        f"Attrition funnels {year}, people (steps with [c] not drawn)",
        "",
    )
    return svg, table


def _sources_footnote(lineage_rows: list[dict]) -> str:
    """Per figure: the file, sheet and cell each input was read from (lineage)."""
    if not lineage_rows:
        return "<p>[x] No lineage recorded for this year.</p>"
    rows = []
    for r in lineage_rows:
        if r["file_name"]:
            where = f"{r['file_name']} (sha256 {str(r['sha256'])[:12]}...), sheet {r['source_sheet']}, cell {r['source_cell']}"
            received = str(r["received_at"])[:19]
        else:
            where, received = r["derivation"] or "not received", ""
        rows.append(
            [
                esc(r["indicator_id"]),
                esc(f"{r['input_role']}: {r['measure']}"),
                esc(r["input_source"] or ""),
                esc(where),
                esc(received),
                esc("yes" if r["supersedes_earlier"] else "no"),
            ]
        )
    return _table(
        ["Figure", "Input", "Source", "File, sheet and cell", "Received (UTC)", "Supersedes an earlier value"], rows
    )


def write_packs(
    out_dir: Path,
    year: str,
    release_id: str,
    tables: dict[str, pl.DataFrame],
    areas: list[tuple[str, str]],
    indicator_names: dict[str, str],
    lineage: list[dict] | None = None,
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    values = tables["indicator_values"]
    bench = tables["benchmark"].filter(pl.col("financial_year") == year)
    completeness = tables["evidence_completeness"].filter(pl.col("financial_year") == year)
    assessments = tables["outcome_assessments"].filter(pl.col("financial_year") == year)
    local = tables["local_outcomes"].filter(pl.col("financial_year") == year)
    trend_ids = [i for i in indicator_names if not i.startswith("LM") and not i.startswith("NO9")]
    pct_ids = [i for i in trend_ids if i.endswith("_PCT")]
    written = []
    by_area_assess = defaultdict(list)
    for r in assessments.iter_rows(named=True):
        by_area_assess[r["area_code"]].append(r)
    by_area_local = defaultdict(list)
    for r in local.iter_rows(named=True):
        by_area_local[r["area_code"]].append(r)
    comp = {r["area_code"]: r for r in completeness.iter_rows(named=True)}
    lineage_by_area = defaultdict(list)
    for r in lineage or []:
        lineage_by_area[r["area_code"]].append(r)

    for code, name in areas:
        parts = [
            f"<h1>{esc(name)}: community justice report pack {esc(year)}</h1>",
            f'<p class="note">Release {esc(release_id)}. Figures are disclosure controlled: [c] confidential, '
            "[x] not available, [z] not applicable. Percentages and rates to 1 decimal place. Attrition ratios "
            "are approximations (cases cross financial years) and can exceed 100%.</p>",
        ]
        trend = _trend_frame(
            values, {code: name, SCOTLAND_CODE: "Scotland"}, pct_ids + [i for i in trend_ids if i.endswith("_RATE")]
        )
        parts.append("<h2>Trends against Scotland</h2>")
        if trend.height:
            parts.append(f"<figure>{_svg(_trend_chart(trend, (name, 'Scotland')))}</figure>")
        counts = values.filter(
            (pl.col("area_code") == code) & (pl.col("financial_year") == year) & (pl.col("unit") == "count")
        )
        parts.append(
            "<h3>Counts this year</h3>"
            + _table(
                ["Indicator", "Description", "Value (count)"],
                [
                    [
                        esc(r["indicator_id"]),
                        esc(indicator_names.get(r["indicator_id"], "")),
                        _fmt(r["value"], r["marker"]),
                    ]
                    for r in counts.iter_rows(named=True)
                ],
                {2},
            )
        )
        chart, funnel_table = _funnel_chart(values, code, year)
        parts.append("<h2>Attrition funnels</h2>")
        if chart is not None:
            parts.append(f"<figure>{chart}</figure>")
        parts.append(_table(["Funnel", *[f"{s} (count)" for s in FUNNEL_STEPS]], funnel_table, {1, 2, 3}))
        area_bench = bench.filter((pl.col("area_code") == code) & pl.col("indicator_id").is_in(pct_ids))
        parts.append("<h2>Comparator group view</h2>")
        if area_bench.height:
            group = area_bench["comparator_group"][0]
            rows = []
            for r in area_bench.iter_rows(named=True):
                for series, key in (
                    (name, "value"),
                    ("Comparator group", "group_value"),
                    ("Scotland", "scotland_value"),
                ):
                    if r[key] is not None:
                        rows.append({"indicator": r["indicator_id"], "series": series, "value": float(r[key])})
            if rows:
                bars = [
                    (f"{r['indicator'][:18]} {r['series'][:10]}", r["value"])
                    for r in rows
                    if r["indicator"].startswith(("ATT_", "NO4_", "NO7_"))
                ]
                parts.append(
                    f"<figure>{_bars(bars, f'{year}: area, comparator group ({group}) and Scotland', '%')}</figure>"
                )
            parts.append(
                _table(
                    ["Indicator", "Area value (%)", "Group value (%)", "Scotland (%)", "Rank in Scotland"],
                    [
                        [
                            esc(r["indicator_id"]),
                            _fmt(r["value"], r["marker"]),
                            _fmt(r["group_value"], r["group_marker"]),
                            _fmt(r["scotland_value"], r["scotland_marker"]),
                            esc(r["rank_in_scotland"] if r["rank_in_scotland"] is not None else "[z]"),
                        ]
                        for r in area_bench.iter_rows(named=True)
                    ],
                    {1, 2, 3, 4},
                )
            )
        c = comp.get(code)
        parts.append("<h2>Evidence completeness</h2>")
        if c:
            parts.append(
                _table(
                    ["Return status", "Items expected", "Items complete", "Missing items", "Ready to publish"],
                    [
                        [
                            esc(c["return_status"]),
                            esc(c["items_expected"]),
                            esc(c["items_complete"]),
                            esc(c["missing_items"] or "none"),
                            esc("Yes" if c["ready_to_publish"] else "No"),
                        ]
                    ],
                )
            )
        else:
            parts.append("<p>[x] No completeness record for this year.</p>")
        parts.append("<h2>Section 23 assessment and actions</h2>")
        assess = by_area_assess.get(code, [])
        parts.append(
            _table(
                ["Outcome", "Assessment", "Actions taken", "Progress"],
                [
                    [
                        esc(f"{r['outcome_id']} {r['outcome_name'] or ''}"),
                        esc(r["assessment"] or "[x]"),
                        esc(r["actions_taken"] or "[x]"),
                        esc(r["progress"] or "[x]"),
                    ]
                    for r in assess
                ],
            )
            if assess
            else "<p>[x] No assessment received for this year.</p>"
        )
        lo = by_area_local.get(code, [])
        parts.append("<h2>Local outcomes and balancing measures</h2>")
        parts.append(
            _table(
                ["Type", "Local outcome", "Metric", "Value", "Unit", "Commentary"],
                [
                    [
                        esc(r["outcome_type"]),
                        esc(r["local_outcome"]),
                        esc(r["metric"]),
                        _fmt(r["value"], r["marker"]),
                        esc(r["unit"]),
                        esc(r["commentary"] or ""),
                    ]
                    for r in lo
                ],
                {3},
            )
            if lo
            else "<p>[x] No local outcomes received for this year.</p>"
        )
        parts.append("<h2>Where these figures come from</h2>")
        parts.append(_sources_footnote(lineage_by_area.get(code, [])))
        path = out_dir / f"{code}.html"
        path.write_text(_page(f"{name} {year}", "".join(parts)), encoding="utf-8")
        written.append(path)

    written.append(
        _scotland_pack(out_dir, year, release_id, values, completeness, areas, trend_ids, pct_ids, indicator_names)
    )
    return written


def _scotland_pack(out_dir, year, release_id, values, completeness, areas, trend_ids, pct_ids, indicator_names) -> Path:
    names = dict(areas)
    parts = [
        f"<h1>Scotland: community justice report pack {esc(year)}</h1>",
        f'<p class="note">Release {esc(release_id)}. Scotland counts are totals; Scotland percentages are ratios of '
        "summed numerators to summed denominators. [c] confidential, [x] not available.</p>",
        "<h2>Scotland trends</h2>",
    ]
    trend = _trend_frame(values, {SCOTLAND_CODE: "Scotland"}, trend_ids)
    if trend.height:
        parts.append(f"<figure>{_svg(_trend_chart(trend, ('Scotland',)))}</figure>")
    parts.append("<h2>Areas compared</h2>")
    compare_ids = [
        i
        for i in ("ATT_DIV_COMPLETED_PCT", "ATT_BAIL_COMPLETED_PCT", "NO4_CPO_COMPLETED_PCT", "HL_CUSTODY_PCT")
        if i in pct_ids
    ]
    rows = values.filter(
        (pl.col("financial_year") == year)
        & pl.col("indicator_id").is_in(compare_ids)
        & pl.col("value").is_not_null()
        & (pl.col("area_code") != SCOTLAND_CODE)
    )
    if rows.height:
        data = rows.select(
            pl.col("area_name").alias("area"), "indicator_id", pl.col("value").cast(pl.Float64)
        ).to_pandas()
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X("area:N", title=None, sort="ascending", axis=alt.Axis(labelAngle=-60)),
                y=alt.Y("value:Q", title="Value (%)"),
            )
            .properties(width=520, height=110)
            .facet(row=alt.Row("indicator_id:N", title=None))
            .properties(title=f"Areas compared, {year} (areas with [c] not drawn)")
        )
        parts.append(f"<figure>{_svg(chart)}</figure>")
    parts.append("<h2>Evidence completeness across areas</h2>")
    comp_rows = sorted(completeness.iter_rows(named=True), key=lambda r: names.get(r["area_code"], r["area_code"]))
    parts.append(
        _table(
            ["Area", "Return status", "Items expected", "Items complete", "Missing items", "Ready to publish"],
            [
                [
                    esc(names.get(r["area_code"], r["area_code"])),
                    esc(r["return_status"]),
                    esc(r["items_expected"]),
                    esc(r["items_complete"]),
                    esc(r["missing_items"] or "none"),
                    esc("Yes" if r["ready_to_publish"] else "No"),
                ]
                for r in comp_rows
            ],
            {2, 3},
        )
    )
    path = out_dir / f"{SCOTLAND_CODE}.html"
    path.write_text(_page(f"Scotland {year}", "".join(parts)), encoding="utf-8")
    return path
