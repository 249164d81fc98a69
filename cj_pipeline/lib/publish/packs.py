"""Self-contained HTML report packs for people: one per area and one for Scotland.

Built only from the disclosure-controlled tables. Charts are altair specs rendered
to static SVG with vl-convert and inlined, so a pack opens offline with no script.
Written for readers, not developers:

- every chart and table is titled with the indicator's name and unit; identifiers
  appear only in the closing "Indicator identifiers" footnote;
- each indicator gets a one-sentence reading: the value, against Scotland and the
  comparator group, and the direction of travel on the year before (pandemic years
  2020-21 and 2021-22 flagged);
- colours are the Okabe-Ito palette (distinct for colour-blind readers), every
  chart has a legend, and long labels wrap rather than being cut;
- counts are whole numbers; a marker appears only where a value was required but
  is missing (no Progress marker for an outcome that was Achieved);
- every chart is a <figure> with a <figcaption> and a data table (the text
  alternative a screen reader reads; the SVG itself is aria-hidden);
- a print stylesheet lays a pack out on A4.

Every text is HTML-escaped (safety.esc). To keep 33 packs fast each pack has three
rendered charts (trends faceted by indicator, the funnels, the comparator view).
"""

from __future__ import annotations

import textwrap
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
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
UNITS = {"percent": "%", "count": "people", "rate_per_10000": "per 10,000 population"}
CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:1.5rem;max-width:1100px;color:#1a1a1a;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #0072B2}
h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem;max-width:100%}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#eef}td.num{text-align:right;white-space:nowrap}.note{color:#444;font-size:.85rem}
figure{margin:1rem 0}figcaption{font-weight:bold;margin-bottom:.4rem}
svg{max-width:100%;height:auto}ul.readings li{margin:.3rem 0}
details summary{cursor:pointer;color:#0b3d91}
@page{size:A4;margin:14mm}
@media print{
 body{margin:0;max-width:none;font-size:10pt}
 h2{break-after:avoid}figure,table,li{break-inside:avoid}
 details{display:block}details>summary{display:none}
 a{color:inherit;text-decoration:none}
}
"""


def unit_label(unit: str | None) -> str:
    return UNITS.get(unit or "", unit or "")


def _name_of(names: dict[str, str], indicator_id: str) -> str:
    return names.get(indicator_id, indicator_id)


def _titled(name: str, unit: str | None) -> str:
    return f"{name} ({unit_label(unit)})"


def _number(value: float, unit: str | None = None) -> str:
    """Counts as whole numbers ('379', never '379.0'); others to 1 decimal place."""
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _fmt(value, marker, unit: str | None = None) -> str:
    if value is None:
        return esc(marker or "[x]")
    return esc(_number(value, unit) + (f" {marker}" if marker else ""))


def _wrap(text: str, width: int = 34) -> list[str]:
    return textwrap.wrap(text, width) or [text]


def _svg(chart: alt.TopLevelMixin) -> str:
    # Our own specs: schema validation (slow in altair) adds nothing per chart.
    svg = vlc.vegalite_to_svg(chart.to_dict(validate=False))
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    # The figure's caption and data table are the text alternative; the drawing is hidden from screen readers.
    return svg.replace("<svg", '<svg aria-hidden="true" focusable="false"', 1)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def _table(
    headers: list[str], rows: list[list[str]], numeric: frozenset[int] | set[int] = frozenset(), caption: str = ""
) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(chart_svg: str, caption: str, description: str, data_table: str) -> str:
    """A chart with its text alternative: a caption, a one-line description and the data."""
    return (
        f'<figure class="chart"><figcaption>{esc(caption)}</figcaption>'
        f'<p class="note">{esc(description)}</p>{chart_svg}'
        f'<details class="chart-data"><summary>Data for this chart</summary>{data_table}</details></figure>'
    )


def _colour_scale(series: list[str]) -> alt.Scale:
    return alt.Scale(domain=series, range=list(PALETTE[: len(series)]))


def _trend_chart(frame: pl.DataFrame, series_names: tuple[str, ...]) -> alt.TopLevelMixin:
    data = frame.to_pandas()
    base = alt.Chart().encode(x=alt.X("financial_year:O", title=None, axis=alt.Axis(labelAngle=-45)))
    first = series_names[0].replace("'", "\\'")
    band = base.transform_filter(f"datum.pandemic && datum.series == '{first}'").mark_rect(color="#999", opacity=0.2)
    lines = base.mark_line(point=True, strokeWidth=2).encode(
        y=alt.Y("value:Q", title=None),
        color=alt.Color(
            "series:N",
            title="Series",
            scale=_colour_scale(list(series_names)),
            legend=alt.Legend(orient="top", labelLimit=0),
        ),
        strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=list(series_names))),
        tooltip=["series:N", "financial_year:O", "value:Q"],
    )
    return (
        alt.layer(band, lines, data=data)
        .properties(width=200, height=110)
        .facet(
            facet=alt.Facet(
                "label:N",
                title=None,
                header=alt.Header(labelLimit=0, labelExpr="split(datum.value, '|')", labelFontSize=11),
            ),
            columns=3,
        )
        .resolve_scale(y="independent")
        .properties(title="Trends by indicator (grey band: pandemic years 2020-21 and 2021-22)")
    )


def _trend_frame(values: pl.DataFrame, codes: dict[str, str], indicators: list[str], names: dict[str, str]):
    """codes: area_code -> series name. Facet labels are the indicator name and unit, wrapped."""
    frame = values.filter(
        pl.col("area_code").is_in(list(codes))
        & pl.col("indicator_id").is_in(indicators)
        & pl.col("value").is_not_null()
    )
    labels = {
        r["indicator_id"]: "|".join(_wrap(_titled(_name_of(names, r["indicator_id"]), r["unit"]), 38))
        for r in frame.select("indicator_id", "unit").unique().iter_rows(named=True)
    }
    return frame.select(
        pl.col("area_code").replace_strict(codes, default=None).alias("series"),
        "financial_year",
        "indicator_id",
        pl.col("value").cast(pl.Float64),
        pl.col("indicator_id").replace_strict(labels, default=None).alias("label"),
        pl.col("financial_year").is_in(list(PANDEMIC_YEARS)).alias("pandemic"),
    )


def _trend_table(frame: pl.DataFrame, names: dict[str, str], units: dict[str, str]) -> str:
    years = sorted(frame["financial_year"].unique().to_list())
    by = {(r["indicator_id"], r["series"], r["financial_year"]): r["value"] for r in frame.iter_rows(named=True)}
    rows = []
    for indicator in dict.fromkeys(frame["indicator_id"].to_list()):
        for series in dict.fromkeys(frame["series"].to_list()):
            cells = [by.get((indicator, series, y)) for y in years]
            if all(c is None for c in cells):
                continue
            rows.append(
                [esc(_titled(_name_of(names, indicator), units.get(indicator))), esc(series)]
                + [_fmt(c, None, units.get(indicator)) for c in cells]
            )
    headers = ["Indicator (unit)", "Series"] + [y + (" (pandemic)" if y in PANDEMIC_YEARS else "") for y in years]
    return _table(headers, rows, set(range(2, 2 + len(years))))


def _direction(history: list[tuple[str, float]]) -> str:
    if len(history) < 2:
        return "there is no earlier year to compare with"
    (prev_year, prev), (year, now) = history[-2], history[-1]
    flag = " (a pandemic year: treat with care)" if {prev_year, year} & set(PANDEMIC_YEARS) else ""
    if abs(now - prev) < 1e-9:
        return f"unchanged on {prev_year}{flag}"
    word = "up" if now > prev else "down"
    return f"{word} from {_number(prev)} in {prev_year}{flag}"


def _reading(name: str, unit: str | None, year: str, value, marker, history, scotland, group) -> str:
    """One sentence: the value, against Scotland and the comparator group, the direction of travel."""
    if value is None:
        return f"{_titled(name, unit)}: no figure can be shown for {year} ({marker or '[x]'})."
    shown = _number(value, unit) + (f" {marker}" if marker else "")
    comparisons = []
    for label, other in (("Scotland", scotland), ("the comparator group", group)):
        if other is None:
            continue
        relation = "higher than" if value > other else "lower than" if value < other else "the same as"
        comparisons.append(f"{relation} {label} ({_number(other, unit)})")
    against = (", " + " and ".join(comparisons)) if comparisons else ""
    pandemic_series = any(y in PANDEMIC_YEARS for y, _ in history)
    tail = "; the series includes the pandemic years 2020-21 and 2021-22" if pandemic_series else ""
    return f"{_titled(name, unit)}: {shown} in {year}{against}; {_direction(history)}{tail}."


def _funnel_chart(values: pl.DataFrame, area: str, year: str):
    lookup = {
        r["indicator_id"]: r
        for r in values.filter((pl.col("area_code") == area) & (pl.col("financial_year") == year)).iter_rows(named=True)
    }
    rows, table = [], []
    for funnel, ids in FUNNELS.items():
        cells = []
        for step, ind in zip(FUNNEL_STEPS, ids, strict=True):
            r = lookup.get(ind)
            value, marker = (r["value"], r["marker"]) if r else (None, "[x]")
            cells.append(_fmt(value, marker, "count"))
            if value is not None:
                rows.append({"funnel": funnel, "step": step, "people": int(round(value))})
        table.append([esc(funnel), *cells])
    if not rows:
        return None, table
    chart = (
        alt.Chart(pl.DataFrame(rows).to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("step:N", title=None, sort=list(FUNNEL_STEPS), axis=alt.Axis(labelLimit=0)),
            x=alt.X("people:Q", title="People", axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "step:N",
                title="Step",
                scale=_colour_scale(list(FUNNEL_STEPS)),
                legend=alt.Legend(orient="top", labelLimit=0),
            ),
            tooltip=["funnel:N", "step:N", alt.Tooltip("people:Q", format=",d")],
        )
        .properties(width=420, height=75)
        .facet(row=alt.Row("funnel:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=0)))
        .properties(title=f"People at each step, {year} (steps shown as [c] are not drawn)")
    )
    return _svg(chart), table


def _comparator_chart(rows: list[dict], series: list[str], year: str) -> str:
    data = pl.DataFrame(rows).to_pandas()
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("series:N", title=None, sort=series, axis=None),
            x=alt.X("value:Q", title="%"),
            color=alt.Color(
                "series:N", title=None, scale=_colour_scale(series), legend=alt.Legend(orient="top", labelLimit=0)
            ),
            tooltip=["label:N", "series:N", alt.Tooltip("value:Q", format=".1f")],
        )
        .properties(width=380, height=48)
        .facet(
            row=alt.Row(
                "label:N",
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=0, labelExpr="split(datum.value, '|')"),
            )
        )
        .properties(title=f"{year}: this area, its comparator group and Scotland (%)")
    )
    return _svg(chart)


def _sources_footnote(lineage_rows: list[dict], names: dict[str, str]) -> str:
    """Per figure: the file, sheet and cell each input was read from (lineage)."""
    if not lineage_rows:
        return "<p>[x] No lineage recorded for this year.</p>"
    rows = []
    for r in lineage_rows:
        if r["file_name"]:
            where = f"{r['file_name']} (sha256 {str(r['sha256'])[:12]}...), sheet {r['source_sheet']}, cell {r['source_cell']}"
            received = str(r["received_at"])[:16]
        else:
            where, received = r["derivation"] or "not received", ""
        rows.append(
            [
                esc(names.get(r["indicator_id"], r["indicator_id"])),
                esc(f"{r['input_role']}: {r['measure']}"),
                esc(r["input_source"] or ""),
                esc(where),
                esc(received),
                esc("yes" if r["supersedes_earlier"] else "no"),
            ]
        )
    return _table(
        ["Figure", "Input", "Source", "File, sheet and cell", "Received (UTC)", "Replaces an earlier value"], rows
    )


def _identifiers(ids: list[str], names: dict[str, str]) -> str:
    items = "".join(f"<li>{esc(names.get(i, i))}: <code>{esc(i)}</code></li>" for i in sorted(set(ids)))
    return (
        '<h2>Indicator identifiers</h2><p class="note">The identifiers used in the data files '
        f'(CSV and Parquet) for the indicators in this pack.</p><ul class="note">{items}</ul>'
    )


def _counts_table(values: pl.DataFrame, code: str, year: str, names: dict[str, str]) -> str:
    counts = values.filter(
        (pl.col("area_code") == code) & (pl.col("financial_year") == year) & (pl.col("unit") == "count")
    )
    return _table(
        ["Indicator", "People (count)"],
        [
            [esc(names.get(r["indicator_id"], r["indicator_id"])), _fmt(r["value"], r["marker"], "count")]
            for r in counts.iter_rows(named=True)
        ],
        {1},
        caption=f"Counts, {year} (people)",
    )


def _readings(values, bench, code, year, ids, names, units) -> str:
    history: dict[str, list[tuple[str, float]]] = defaultdict(list)
    current: dict[str, dict] = {}
    for r in values.filter(pl.col("area_code") == code).sort("financial_year").iter_rows(named=True):
        if r["indicator_id"] not in ids or r["financial_year"] > year:
            continue
        if r["value"] is not None:
            history[r["indicator_id"]].append((r["financial_year"], float(r["value"])))
        if r["financial_year"] == year:
            current[r["indicator_id"]] = r
    compare = {r["indicator_id"]: r for r in bench.filter(pl.col("area_code") == code).iter_rows(named=True)}
    scotland = {
        r["indicator_id"]: r["value"]
        for r in values.filter((pl.col("area_code") == SCOTLAND_CODE) & (pl.col("financial_year") == year)).iter_rows(
            named=True
        )
    }
    items = []
    for indicator in ids:
        row = current.get(indicator)
        if row is None:
            continue
        other = compare.get(indicator, {})
        items.append(
            _reading(
                names.get(indicator, indicator),
                units.get(indicator),
                year,
                row["value"],
                row["marker"],
                history.get(indicator, []),
                # A count is not compared with Scotland's or the group's total: only rates and percentages are.
                None if units.get(indicator) == "count" else other.get("scotland_value", scotland.get(indicator)),
                None if units.get(indicator) == "count" else other.get("group_value"),
            )
        )
    return '<ul class="readings">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


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
    units = {r["indicator_id"]: r["unit"] for r in values.select("indicator_id", "unit").unique().iter_rows(named=True)}
    bench = tables["benchmark"].filter(pl.col("financial_year") == year)
    completeness = tables["evidence_completeness"].filter(pl.col("financial_year") == year)
    assessments = tables["outcome_assessments"].filter(pl.col("financial_year") == year)
    local = tables["local_outcomes"].filter(pl.col("financial_year") == year)
    area_ids = [i for i in indicator_names if not i.startswith("NO9")]  # NO9 is Scotland-only
    trend_ids = [i for i in area_ids if i.endswith(("_PCT", "_RATE"))]
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
            "[x] not available, [z] not applicable. Counts are whole numbers; percentages and rates are to 1 "
            "decimal place. Attrition ratios are approximations (cases cross financial years) and can exceed "
            "100%.</p>",
            "<h2>Key readings</h2>",
            _readings(values, bench, code, year, [i for i in area_ids if i in units], indicator_names, units),
        ]
        trend = _trend_frame(values, {code: name, SCOTLAND_CODE: "Scotland"}, trend_ids, indicator_names)
        parts.append("<h2>Trends against Scotland</h2>")
        if trend.height:
            parts.append(
                _figure(
                    _svg(_trend_chart(trend, (name, "Scotland"))),
                    f"Trends for {name} against Scotland, percentages and rates, to {year}",
                    f"One small chart per indicator: {name} in blue (solid), Scotland in orange (dashed); "
                    "the grey band marks the pandemic years. The data table below holds every point.",
                    _trend_table(trend, indicator_names, units),
                )
            )
        parts.append(_counts_table(values, code, year, indicator_names))
        svg, funnel_table = _funnel_chart(values, code, year)
        parts.append("<h2>Attrition funnels</h2>")
        table = _table(["Funnel", *[f"{s} (people)" for s in FUNNEL_STEPS]], funnel_table, {1, 2, 3})
        if svg is not None:
            parts.append(
                _figure(
                    svg,
                    f"People at each step of diversion and bail supervision, {year}",
                    "Bars for people assessed, who commenced and who completed, for each funnel.",
                    table,
                )
            )
        else:
            parts.append(table)
        area_bench = bench.filter((pl.col("area_code") == code) & pl.col("indicator_id").is_in(pct_ids))
        parts.append("<h2>Comparator group view</h2>")
        if area_bench.height:
            group = area_bench["comparator_group"][0]
            series = [name, f"Comparator group ({group})", "Scotland"]
            rows = []
            for r in area_bench.iter_rows(named=True):
                label = "|".join(_wrap(_name_of(indicator_names, r["indicator_id"]) + " (%)", 40))
                for s, key in zip(series, ("value", "group_value", "scotland_value"), strict=True):
                    if r[key] is not None:
                        rows.append({"label": label, "series": s, "value": float(r[key])})
            table = _table(
                ["Indicator (%)", f"{name} (%)", f"Comparator group {group} (%)", "Scotland (%)", "Rank in Scotland"],
                [
                    [
                        esc(indicator_names.get(r["indicator_id"], r["indicator_id"])),
                        _fmt(r["value"], r["marker"]),
                        _fmt(r["group_value"], r["group_marker"]),
                        _fmt(r["scotland_value"], r["scotland_marker"]),
                        esc(r["rank_in_scotland"] if r["rank_in_scotland"] is not None else "[z]"),
                    ]
                    for r in area_bench.iter_rows(named=True)
                ],
                {1, 2, 3, 4},
            )
            if rows:
                parts.append(
                    _figure(
                        _comparator_chart(rows, series, year),
                        f"{name} against its comparator group ({group}) and Scotland, {year} (%)",
                        "For each percentage indicator, three bars: this area, its comparator group and Scotland.",
                        table,
                    )
                )
            else:
                parts.append(table)
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
                            esc(c["missing_items"] or "Nothing missing"),
                            esc("Yes" if c["ready_to_publish"] else "No"),
                        ]
                    ],
                    {1, 2},
                    caption=f"Local supporting evidence, {year}",
                )
            )
        else:
            parts.append("<p>[x] No completeness record for this year.</p>")
        parts.append("<h2>Section 23 assessment and actions</h2>")
        assess = by_area_assess.get(code, [])
        parts.append(
            _table(
                ["Outcome", "Assessment", "Actions taken", "Progress (where not achieved)"],
                [
                    [
                        esc(f"{r['outcome_id']} {r['outcome_name'] or ''}"),
                        esc(r["assessment"] or "[x]"),
                        esc(r["actions_taken"] or "[x]"),
                        # Progress is required only where an outcome was Not achieved.
                        esc(r["progress"] or ("[x]" if r["assessment"] == "Not achieved" else "")),
                    ]
                    for r in assess
                ],
                caption=f"Assessments of the national outcomes, {year}",
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
                caption=f"Local outcomes, {year}",
            )
            if lo
            else "<p>[x] No local outcomes received for this year.</p>"
        )
        parts.append("<h2>Where these figures come from</h2>")
        parts.append(_sources_footnote(lineage_by_area.get(code, []), indicator_names))
        parts.append(_identifiers(area_ids, indicator_names))
        path = out_dir / f"{code}.html"
        path.write_text(_page(f"{name} {year}", "".join(parts)), encoding="utf-8")
        written.append(path)

    written.append(
        _scotland_pack(
            out_dir,
            year,
            release_id,
            values,
            completeness,
            areas,
            list(indicator_names),
            pct_ids,
            indicator_names,
            units,
            lineage_by_area.get(SCOTLAND_CODE, []),
        )
    )
    return written


def _scotland_pack(
    out_dir, year, release_id, values, completeness, areas, all_ids, pct_ids, names, units, lineage_rows
) -> Path:
    area_names = dict(areas)
    parts = [
        f"<h1>Scotland: community justice report pack {esc(year)}</h1>",
        f'<p class="note">Release {esc(release_id)}. Scotland counts are totals; Scotland percentages are ratios of '
        "summed numerators to summed denominators. [c] confidential, [x] not available. Counts are whole numbers; "
        "percentages and rates to 1 decimal place.</p>",
        "<h2>Key readings</h2>",
        _scotland_readings(values, year, [i for i in all_ids if i in units], names, units),
        "<h2>Scotland trends</h2>",
    ]
    trend_ids = [i for i in all_ids if i in units and units[i] != "count"]
    trend = _trend_frame(values, {SCOTLAND_CODE: "Scotland"}, trend_ids, names)
    if trend.height:
        parts.append(
            _figure(
                _svg(_trend_chart(trend, ("Scotland",))),
                f"Scotland trends, percentages and rates, to {year}",
                "One small chart per indicator, Scotland in blue; the grey band marks the pandemic years.",
                _trend_table(trend, names, units),
            )
        )
    parts.append(_counts_table(values, SCOTLAND_CODE, year, names))
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
            pl.col("area_name").alias("area"),
            pl.col("indicator_id")
            .replace_strict({i: "|".join(_wrap(names.get(i, i) + " (%)", 60)) for i in compare_ids}, default=None)
            .alias("label"),
            pl.col("value").cast(pl.Float64),
        ).to_pandas()
        chart = (
            alt.Chart(data)
            .mark_bar(color=PALETTE[0])
            .encode(
                y=alt.Y("area:N", title=None, sort="ascending", axis=alt.Axis(labelLimit=0)),
                x=alt.X("value:Q", title="%"),
                tooltip=["area:N", alt.Tooltip("value:Q", format=".1f")],
            )
            .properties(width=360, height=alt.Step(11))
            .facet(
                column=alt.Column(
                    "label:N",
                    title=None,
                    header=alt.Header(labelLimit=0, labelExpr="split(datum.value, '|')", labelFontSize=11),
                ),
            )
            .resolve_scale(y="shared")
            .properties(title=f"Areas compared, {year} (%; areas with [c] not drawn)")
        )
        by = defaultdict(dict)
        for r in rows.iter_rows(named=True):
            by[r["area_name"]][r["indicator_id"]] = r
        table = _table(
            ["Area", *[f"{names.get(i, i)} (%)" for i in compare_ids]],
            [
                [esc(area)]
                + [_fmt(by[area][i]["value"], by[area][i]["marker"]) if i in by[area] else "[c]" for i in compare_ids]
                for area in sorted(by)
            ],
            set(range(1, 1 + len(compare_ids))),
        )
        parts.append(
            _figure(
                _svg(chart),
                f"Areas compared on {len(compare_ids)} percentage indicators, {year}",
                "One bar chart per indicator, areas in alphabetical order down the side.",
                table,
            )
        )
    parts.append("<h2>Evidence completeness across areas</h2>")
    comp_rows = sorted(completeness.iter_rows(named=True), key=lambda r: area_names.get(r["area_code"], r["area_code"]))
    parts.append(
        _table(
            ["Area", "Return status", "Items expected", "Items complete", "Missing items", "Ready to publish"],
            [
                [
                    esc(area_names.get(r["area_code"], r["area_code"])),
                    esc(r["return_status"]),
                    esc(r["items_expected"]),
                    esc(r["items_complete"]),
                    esc(r["missing_items"] or "Nothing missing"),
                    esc("Yes" if r["ready_to_publish"] else "No"),
                ]
                for r in comp_rows
            ],
            {2, 3},
            caption=f"Local supporting evidence by area, {year}",
        )
    )
    parts.append("<h2>Where these figures come from</h2>")
    parts.append(_sources_footnote(lineage_rows, names))
    parts.append(_identifiers([i for i in all_ids if i in units], names))
    path = out_dir / f"{SCOTLAND_CODE}.html"
    path.write_text(_page(f"Scotland {year}", "".join(parts)), encoding="utf-8")
    return path


def _scotland_readings(values, year, ids, names, units) -> str:
    history: dict[str, list[tuple[str, float]]] = defaultdict(list)
    current = {}
    for r in values.filter(pl.col("area_code") == SCOTLAND_CODE).sort("financial_year").iter_rows(named=True):
        if r["financial_year"] > year:
            continue
        if r["value"] is not None:
            history[r["indicator_id"]].append((r["financial_year"], float(r["value"])))
        if r["financial_year"] == year:
            current[r["indicator_id"]] = r
    items = [
        _reading(names.get(i, i), units.get(i), year, current[i]["value"], current[i]["marker"], history[i], None, None)
        for i in ids
        if i in current
    ]
    return '<ul class="readings">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"
