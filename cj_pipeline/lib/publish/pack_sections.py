"""Plain data for each section of the report packs, one small function per section.

The templates (templates/*.html.j2) only lay this data out; every sentence and
every formatted number is made here, from the published tables (pack_inputs).
"""

from __future__ import annotations

from cj_pipeline.lib.publish import pack_format as fmt
from cj_pipeline.lib.publish.pack_inputs import CHAINS, SCOTLAND_CODE, Inputs, scotland_only

ASSESSMENTS = ("Achieved", "Not achieved", "Not assessed")


def change_words(trend: dict | None, unit: str | None) -> dict:
    """Direction of change on the year before, with pandemic years and series breaks flagged."""
    if not trend or trend.get("previous_value") is None or trend.get("change_on_previous_year") is None:
        reason = "a break in the series" if "[b]" in fmt.markers((trend or {}).get("marker")) else "no earlier figure"
        return {"text": f"not compared ({reason})", "direction": None, "flags": []}
    change, prev = trend["change_on_previous_year"], trend["previous_value"]
    word = "up" if change > 0 else "down" if change < 0 else "unchanged"
    pct = trend.get("change_on_previous_year_pct")
    size = f" {abs(pct):,.0f}%" if unit == "count" and pct is not None and word != "unchanged" else ""
    text = f"{word}{size} from {fmt.with_unit(prev, unit)} in {trend['previous_year']}"
    flags = []
    if trend.get("change_involves_pandemic_year"):
        flags.append("pandemic year: compare with care")
    if "[b]" in fmt.markers(trend.get("previous_value_marker")):
        flags.append("break in series")
    return {"text": text, "direction": trend.get("direction"), "flags": flags}


def _place(bench: dict | None) -> str:
    if not bench or bench.get("rank_in_scotland") is None:
        neutral = bench and bench.get("polarity") == "neutral"
        return "not ranked (neither higher nor lower is better)" if neutral else "not ranked"
    return f"{fmt.ordinal(bench['rank_in_scotland'])} of {bench['areas_ranked']} (1st is best)"


def _badges(inputs: Inputs, indicator: str, row: dict | None) -> list[str]:
    marker = (row or {}).get("marker")
    found = fmt.badges(marker)
    if indicator.startswith("ATT_"):
        over = row and row.get("value") is not None and row["value"] > 100
        found.insert(0, "approximation: over 100% as cases cross years" if over else "approximation")
    if (row is None or row.get("value") is None) and "[c]" not in fmt.markers(marker):
        earlier = [y for y in inputs.years if y < inputs.year and inputs.value(SCOTLAND_CODE, indicator, y)]
        if earlier and inputs.value(SCOTLAND_CODE, indicator) is None:
            found = ["not yet published"]
    return found


def indicator_row(inputs: Inputs, area: str, indicator: str) -> dict:
    """One readable row: value, unit, the area against Scotland and its family group, place, change, badges."""
    unit = inputs.unit(indicator)
    row = inputs.value(area, indicator)
    bench = inputs.bench.get((area, indicator))
    scotland = inputs.value(SCOTLAND_CODE, indicator)
    return {
        "id": indicator,
        "name": inputs.name(indicator),
        "unit": fmt.unit_label(unit),
        "value": fmt.shown(row and row["value"], row and row["marker"], unit) if row else "[x]",
        "scotland": fmt.shown(scotland["value"], scotland["marker"], unit) if scotland else "[x]",
        "group": fmt.shown(bench["group_value"], bench["group_marker"], unit) if bench else "[x]",
        "is_total": unit == "count",
        "place": _place(bench),
        "change": change_words(inputs.trends.get((area, indicator)), unit),
        "badges": _badges(inputs, indicator, row),
    }


def chain(inputs: Inputs, area: str, outcome: str) -> dict | None:
    """Assessments -> commenced -> completed, with the attrition between steps in words."""
    if outcome not in CHAINS:
        return None
    label, ids = CHAINS[outcome]
    rows = [inputs.value(area, i) for i in ids]
    steps = [
        {"name": inputs.name(i), "value": fmt.shown(r and r["value"], r and r["marker"], "count") if r else "[x]"}
        for i, r in zip(ids, rows, strict=True)
    ]
    counts = [r["value"] for r in rows if r and r["value"] is not None]
    if len(counts) < len(rows):
        words = f"The {label} chain cannot be followed through this year: a step is suppressed or not available."
    elif not counts[0] or not counts[1]:
        words = f"There were no {label} assessments or cases commenced this year."
    else:
        a, c, d = counts
        words = (
            f"Of {fmt.number(a, 'count')} {label} assessments, {fmt.number(c, 'count')} cases commenced "
            f"({100 * c / a:.0f} per 100 assessments) and {fmt.number(d, 'count')} were completed "
            f"({100 * d / c:.0f} per 100 commenced). These ratios are approximations: cases cross financial "
            "years, so a ratio can be over 100."
        )
    return {"label": label, "steps": steps, "words": words}


def area_evidence(inputs: Inputs, area: str, outcome: str) -> dict:
    """The area's local supporting evidence for one outcome: statements with status, and local measures."""
    items = [
        {
            "id": e["evidence_id"],
            "statement": e["statement"],
            "status": e["evidence_status"] or "Not given",
            "commentary": e["commentary"] or "",
        }
        for e in inputs.evidence.get(area, [])
        if e["outcome_id"] == outcome
    ]
    measures = [indicator_row(inputs, area, i) for i in inputs.indicators_of(outcome, local_measures=True)]
    return {"statements": items, "measures": measures}


def area_assessment(inputs: Inputs, area: str, outcome: str) -> dict:
    row = inputs.assessments.get(area, {}).get(outcome)
    if row is None:
        return {"assessment": "No assessment received", "actions": "", "progress": ""}
    needs_progress = row["assessment"] == "Not achieved"
    return {
        "assessment": row["assessment"] or "[x]",
        "actions": row["actions_taken"] or "[x] not given",
        # Progress is required only where an outcome was not achieved.
        "progress": row["progress"] or ("[x] not given" if needs_progress else ""),
    }


def compare_link(indicator: str, area: str | None = None) -> str:
    """The compare page (published/<year>/compare.html) with the indicator chosen."""
    return f"../compare.html#indicator={indicator}" + (f"&areas={area}" if area else "")


def area_outcome(inputs: Inputs, area: str, outcome: str, charts: dict) -> dict:
    """One national outcome in an area pack, in the order a section 23 report takes it."""
    indicators = inputs.indicators_of(outcome)
    only_scotland = all(scotland_only(inputs, i) for i in indicators)
    shown_for = SCOTLAND_CODE if only_scotland else area
    return {
        "id": outcome,
        "wording": inputs.outcomes[outcome],
        "scotland_only": only_scotland,
        "rows": [indicator_row(inputs, shown_for, i) for i in indicators],
        "chart": charts.get(outcome),
        "chain": chain(inputs, area, outcome),
        "evidence": area_evidence(inputs, area, outcome),
        "assessment": area_assessment(inputs, area, outcome),
        "compare": compare_link(indicators[0], None if only_scotland else area) if indicators else None,
    }


def local_outcomes(inputs: Inputs, area: str) -> list[dict]:
    return [
        {
            "type": r["outcome_type"],
            "outcome": r["local_outcome"] or "",
            "metric": r["metric"] or "",
            "value": r["value_text"] if r["value"] is None and not r["marker"] else fmt.shown(r["value"], r["marker"]),
            "unit": r["unit"] or "",
            "commentary": r["commentary"] or "",
        }
        for r in inputs.local.get(area, [])
    ]


def definitions(inputs: Inputs, indicators: list[str]) -> list[dict]:
    return [
        {
            "id": i,
            "name": inputs.name(i),
            "unit": fmt.unit_label(inputs.unit(i)),
            "outcome": inputs.catalogue[i]["outcome_id"],
            "note": inputs.catalogue[i].get("note") or "",
        }
        for i in indicators
        if i in inputs.catalogue
    ]


def lineage(inputs: Inputs, area: str) -> list[dict]:
    """Who supplied which figure and when: one row per input of a figure."""
    rows = []
    for r in inputs.lineage.get(area, []):
        if r["file_name"]:
            where = f"{r['file_name']}, sheet {r['source_sheet']}, cell {r['source_cell']}"
            digest = f"sha256 {str(r['sha256'])[:12]}..."
        else:
            where, digest = r["derivation"] or "not received", ""
        rows.append(
            {
                "figure": inputs.name(r["indicator_id"]),
                "input": f"{r['input_role']}: {r['measure']}",
                "source": r["input_source"] or "",
                "where": where,
                "digest": digest,
                "received": str(r["received_at"] or "")[:16],
                "replaces": "yes" if r["supersedes_earlier"] else "",
            }
        )
    return rows
