"""The people's spreadsheet of a release: cover, notes and tables laid out for
`workbook.write_workbook` (which owns the accessible formatting)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cj_pipeline.lib.publish import control
from cj_pipeline.lib.publish.workbook import Column, Table, write_workbook


def write_release_workbook(
    path: Path, year: str, notes: dict, policy: control.Policy, tables: dict[str, pl.DataFrame], raw: dict
) -> None:
    cover = [
        ("title", f"Community justice national indicators, Scotland and the 32 local authority areas, {year}"),
        (
            "What this is",
            "National indicators for community justice (Community Justice (Scotland) Act 2016, sections 23 and 27): "
            "values for each area and Scotland, trends, benchmarks, evidence completeness and the areas' own assessments.",
        ),
        ("Release", str(notes.get("release_id"))),
        ("Published", f"{notes.get('published_at')} by {notes.get('published_by')}"),
        ("Years covered", f"{raw['years'][0] if raw['years'] else year} to {year} (financial years, April to March)"),
        (
            "Disclosure control",
            "Small counts and figures that would reveal them are shown as [c]. See the Notes sheet.",
        ),
        ("Contact", "Community Justice Scotland data team"),
    ]
    if notes.get("override_reason"):
        cover.append(
            (
                "Quality gate override",
                f"{notes.get('override_reason')} (checks: {', '.join(notes.get('overridden_checks') or [])})",
            )
        )
    notes_rows = [
        ("[c]", "Confidential: suppressed to protect individuals (small count, or a figure that would reveal one)."),
        ("[x]", "Not available."),
        ("[z]", "Not applicable."),
        ("[p]", "Provisional."),
        ("[r]", "Revised."),
        ("[u]", "Low reliability (e.g. a total missing some areas)."),
        ("[b]", "Break in series."),
        (
            "Disclosure control",
            f"Counts {policy.small_count_min}-{policy.small_count_max} are [c]; secondary suppression so that "
            "Scotland, comparator group and HL disposal totals cannot reveal them; ratios with a suppressed numerator or denominator are [c].",
        ),
        *[
            (f"Small bases ({u})", f"A {u} whose denominator is below {v:g} is [c].")
            for u, v in policy.min_denominator.items()
        ],
        (
            "Rounding",
            "Counts are whole numbers; percentages (0-100) and rates per 10,000 are rounded to 1 decimal place. Rounded figures may not sum to totals.",
        ),
        ("Attrition", "Attrition ratios are approximations: cases cross financial years, so a ratio can exceed 100%."),
        ("Pandemic", "2020-21 and 2021-22 were affected by COVID-19; treat change in those years with care."),
        (
            "Scotland",
            "Scotland counts are totals; Scotland percentages are summed numerators over summed denominators.",
        ),
    ]
    for warning in notes.get("warnings") or []:
        notes_rows.append((f"Warning: {warning.get('check')}", str(warning.get("summary"))))

    def num(header, key, marker_key):
        return Column(header, key, marker_key, numeric=True)

    value_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Unit", "unit"),
        num("Value (count, % or rate per 10,000: see Unit)", "value", "marker"),
        Column("Marker", "marker", "marker_blank"),
        num("Numerator (count)", "numerator", "numerator_marker"),
        num("Denominator (count or population)", "denominator", "denominator_marker"),
    ]
    trend_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Unit", "unit"),
        num("Value (see Unit)", "value", "marker"),
        num("Change on previous year (see Unit)", "change_on_previous_year", "change_on_previous_year_marker"),
        num("Change on previous year (%)", "change_on_previous_year_pct", "change_on_previous_year_pct_marker"),
        num("Change since start of series (see Unit)", "change_since_start", "change_since_start_marker"),
        num("3-year rolling mean (see Unit)", "rolling_mean_3yr", "rolling_mean_3yr_marker"),
        Column("Direction", "direction", "direction_marker"),
        Column("Pandemic year", "pandemic_year"),
    ]
    bench_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Comparator group", "comparator_group"),
        num("Value (see dim Unit)", "value", "marker"),
        num("Scotland value", "scotland_value", "scotland_marker"),
        num("Comparator group value", "group_value", "group_marker"),
        num("Difference from Scotland", "difference_from_scotland", "difference_from_scotland_marker"),
        num("Rank in Scotland (1 = best)", "rank_in_scotland", "rank_marker"),
    ]
    comp_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Return status", "return_status"),
        num("Items expected (count)", "items_expected", None),
        num("Items complete (count)", "items_complete", None),
        Column("Missing items", "missing_items", "none_marker"),
        Column("Ready to publish", "ready_to_publish"),
    ]
    assess_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Outcome", "outcome_id"),
        Column("Outcome name", "outcome_name", "x"),
        Column("Assessment", "assessment", "x"),
        Column("Actions taken", "actions_taken", "x"),
        Column("Progress", "progress", "x"),
    ]
    local_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Type", "outcome_type", "x"),
        Column("Local outcome", "local_outcome", "x"),
        Column("Metric", "metric", "x"),
        num("Value (see Unit)", "value", "marker"),
        Column("Unit", "unit", "x"),
        Column("Commentary", "commentary", "x"),
    ]
    ind_cols = [
        Column("Indicator", "indicator_id"),
        Column("Outcome", "outcome_id"),
        Column("Description", "description"),
        Column("Unit", "unit"),
        Column("Polarity", "polarity"),
        Column("Source", "source", "x"),
    ]

    def rows(name):
        out = tables[name].to_dicts()
        for r in out:
            r.setdefault("marker_blank", "none")
            r["none_marker"] = "none"
            r["x"] = "[x]"
            if r.get("marker") is None and "marker" in r:
                r["marker"] = None
        return out

    values = rows("indicator_values")
    for r in values:
        r["marker_blank"] = "none"
    bench = rows("benchmark")
    for r in bench:
        r["rank_marker"] = "[c]" if r.get("marker") == "[c]" else "[z]"
    trends = rows("indicator_trends")
    for r in trends:
        r["direction_marker"] = "[x]"
        if isinstance(r.get("pandemic_year"), bool):
            pass
    current = [r for r in values if r["financial_year"] == year]
    tables_out = [
        Table(
            "Values_latest",
            f"Table 1: indicator values, {year}",
            "One row per area (and Scotland) and indicator. Disclosure controlled and rounded.",
            value_cols,
            current,
        ),
        Table(
            "Values_series",
            "Table 2: indicator values, all years",
            "Every year of the series up to this release.",
            value_cols,
            values,
        ),
        Table(
            "Trends",
            "Table 3: trends",
            "Change on previous year and since the start of the series, 3-year rolling mean, direction; pandemic years flagged.",
            trend_cols,
            trends,
        ),
        Table(
            "Benchmark",
            "Table 4: areas against Scotland and comparator groups",
            "Comparator groups are our approximation of LGBF family groups.",
            bench_cols,
            [r for r in bench if r["financial_year"] == year],
        ),
        Table(
            "Completeness",
            f"Table 5: evidence completeness, {year}",
            "Local supporting evidence returned by each area.",
            comp_cols,
            tables["evidence_completeness"].to_dicts()
            and [dict(r, none_marker="none") for r in tables["evidence_completeness"].to_dicts()],
        ),
        Table(
            "Assessments",
            f"Table 6: section 23 outcome assessments, {year}",
            "Text as written by the areas.",
            assess_cols,
            [dict(r, x="[x]") for r in tables["outcome_assessments"].to_dicts()],
        ),
        Table(
            "Local_outcomes",
            f"Table 7: local outcomes and balancing measures, {year}",
            "Text as written by the areas; small counts [c].",
            local_cols,
            [dict(r, x="[x]") for r in tables["local_outcomes"].to_dicts()],
        ),
        Table(
            "Indicators",
            "Table 8: indicator definitions",
            "The national indicator framework (Appendix One of the 2024 guidance).",
            ind_cols,
            [dict(r, x="[x]") for r in raw["indicators"]],
        ),
    ]
    write_workbook(path, cover, notes_rows, tables_out)
