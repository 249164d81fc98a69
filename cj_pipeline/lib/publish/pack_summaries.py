"""Key points and the Scotland pack's sections across areas, in plain sentences.

Key points follow the national report's "Key Points" page: at most about eight
sentences saying what improved, what got worse and what cannot be shown and why.
"""

from __future__ import annotations

from collections import Counter

from cj_pipeline.lib.core.words import plural
from cj_pipeline.lib.publish import pack_format as fmt
from cj_pipeline.lib.publish.pack_inputs import NATIONAL_OUTCOMES, SCOTLAND_CODE, Inputs, scotland_only
from cj_pipeline.lib.publish.pack_sections import ASSESSMENTS, change_words, compare_link, indicator_row

HEADLINES = ("NO1_COMMENCED", "NO3_COMMENCED", "NO4_CPO_COMPLETED_PCT", "NO8_VT_COMMENCED")


def _national(inputs: Inputs) -> list[str]:
    return [i for o in NATIONAL_OUTCOMES for i in inputs.indicators_of(o)]


def _moves(inputs: Inputs, area: str, direction: str) -> tuple[int, list[str]]:
    """How many indicators moved this way, and the three biggest moves in words."""
    found = []
    for i in _national(inputs):
        trend = inputs.trends.get((area, i))
        if trend and trend.get("direction") == direction:
            size = abs(trend.get("change_on_previous_year_pct") or 0)
            words = change_words(trend, inputs.unit(i))["text"]
            found.append((size, f"{fmt.lower_first(inputs.name(i))} ({words})"))
    found.sort(key=lambda pair: -pair[0])
    return len(found), [text for _, text in found[:3]]


def _movement_points(inputs: Inputs, area: str) -> list[str]:
    points = []
    previous = inputs.years[-2] if len(inputs.years) > 1 else None
    for direction, verb in (("improving", "improved"), ("worsening", "got worse")):
        n, top = _moves(inputs, area, direction)
        if n:
            lead = "the largest changes" if n > 3 else "namely"
            points.append(f"{plural(n, 'indicator')} {verb} on {previous}; {lead}: {fmt.listing(top)}.")
        elif previous:
            points.append(f"No indicator {verb} on {previous} by more than its threshold for a clear change.")
    if {inputs.year, previous} & set(fmt.PANDEMIC_YEARS):
        points.append(
            "This comparison involves a pandemic year (2020-21 or 2021-22, when courts closed and orders "
            "paused): read the change with care."
        )
    return points


def _hidden_point(inputs: Inputs, area: str) -> str | None:
    counts: Counter = Counter()
    names: list[str] = []
    for i in _national(inputs):
        row = inputs.value(area if not scotland_only(inputs, i) else SCOTLAND_CODE, i)
        if row is None or row["value"] is None:
            marker = fmt.markers(row["marker"] if row else None)
            counts["[c]" if "[c]" in marker else "[x]"] += 1
            names.append(fmt.lower_first(inputs.name(i)))
    if not counts:
        return None
    parts = []
    if counts["[c]"]:
        parts.append(f"{counts['[c]']} suppressed because the numbers are small enough to identify people ([c])")
    if counts["[x]"]:
        parts.append(f"{counts['[x]']} not available or not yet published ([x])")
    example = f", for example {names[0]}" if names else ""
    return f"{plural(sum(counts.values()), 'figure')} cannot be shown: {fmt.listing(parts)}{example}."


def _evidence_point(inputs: Inputs, area_codes: list[str]) -> str | None:
    statuses = Counter(e["evidence_status"] or "Not given" for a in area_codes for e in inputs.evidence.get(a, []))
    total = sum(statuses.values())
    if not total:
        return None
    where = "these areas' returns" if len(area_codes) > 1 else "the return"
    return (
        f"Of {total:,} local evidence items in {where}, {statuses['In place']:,} are in place, "
        f"{statuses['Partially in place']:,} partially in place and {statuses['Not in place']:,} not in place"
        + (
            f" ({statuses['Not known'] + statuses['Not given']:,} not known or not given)."
            if total > sum(statuses[s] for s in ("In place", "Partially in place", "Not in place"))
            else "."
        )
    )


def area_key_points(inputs: Inputs, area: str) -> list[str]:
    counts = Counter(r["assessment"] for r in inputs.assessments.get(area, {}).values())
    name = inputs.areas[area]
    if counts:
        others = [f"{counts[a]} {a.lower()}" for a in ASSESSMENTS[1:] if counts[a]]
        tail = f" ({fmt.listing(others)})" if others else ""
        points = [
            f"{name} assessed {counts['Achieved']} of the {len(inputs.outcomes)} national outcomes as achieved "
            f"in {inputs.year}{tail}."
        ]
    else:
        points = [f"No section 23 assessment of the national outcomes was received from {name} for {inputs.year}."]
    points += _movement_points(inputs, area)
    points += [p for p in (_hidden_point(inputs, area), _evidence_point(inputs, [area])) if p]
    return points[:8]


def _headline(inputs: Inputs, indicator: str) -> str | None:
    row = inputs.value(SCOTLAND_CODE, indicator)
    if row is None:
        return None
    unit = inputs.unit(indicator)
    change = change_words(inputs.trends.get((SCOTLAND_CODE, indicator)), unit)["text"]
    value = fmt.shown(row["value"], row["marker"], unit)
    return f"{inputs.name(indicator)}: {value} in {inputs.year}, {change}."


def scotland_key_points(inputs: Inputs) -> list[str]:
    points = [p for p in (_headline(inputs, i) for i in HEADLINES) if p]
    points += _movement_points(inputs, SCOTLAND_CODE)[:2]
    counts = Counter(r["assessment"] for a in inputs.areas for r in inputs.assessments.get(a, {}).values())
    returned = sum(1 for a in inputs.areas if inputs.assessments.get(a))
    if counts:
        points.append(
            f"{returned} of {len(inputs.areas)} areas sent a section 23 assessment: of their "
            f"{sum(counts.values()):,} outcome assessments, {counts['Achieved']:,} were achieved, "
            f"{counts['Not achieved']:,} not achieved and {counts['Not assessed']:,} not assessed."
        )
    evidence = _evidence_point(inputs, list(inputs.areas))
    return (points + ([evidence] if evidence else []))[:8]


def evidence_summary(inputs: Inputs, outcome: str) -> list[str]:
    """Per evidence item: how many of the 32 areas report it in place, partially, not in place."""
    by_item: dict[str, Counter] = {}
    statements: dict[str, str] = {}
    for area in inputs.areas:
        for e in inputs.evidence.get(area, []):
            if e["outcome_id"] == outcome:
                by_item.setdefault(e["evidence_id"], Counter())[e["evidence_status"] or "Not given"] += 1
                statements[e["evidence_id"]] = e["statement"]
    sentences = []
    for item, c in by_item.items():
        rest = [f"{c['Partially in place']} partially", f"{c['Not in place']} not in place"]
        unknown = c["Not known"] + c["Not given"]
        if unknown:
            rest.append(f"{unknown} not known or not given")
        missing = len(inputs.areas) - sum(c.values())
        if missing:
            rest.append(f"{missing} sent no return")
        sentences.append(
            f"{c['In place']} of {len(inputs.areas)} areas report this in place: "
            f"{statements[item]} ({', '.join(rest)})."
        )
    return sentences


def assessment_summary(inputs: Inputs, outcome: str) -> str:
    c = Counter(
        inputs.assessments[a][outcome]["assessment"] for a in inputs.areas if outcome in inputs.assessments.get(a, {})
    )
    missing = len(inputs.areas) - sum(c.values())
    tail = f"; {plural(missing, 'area')} sent no assessment" if missing else ""
    return (
        f"{c['Achieved']} of {len(inputs.areas)} areas assessed this outcome as achieved "
        f"({c['Not achieved']} not achieved, {c['Not assessed']} not assessed){tail}."
    )


def spread_indicator(inputs: Inputs, outcome: str) -> str | None:
    """The indicator the spread across areas is drawn for: a rate or percentage where there is one."""
    candidates = [i for i in inputs.indicators_of(outcome) if not scotland_only(inputs, i)]
    for kinds in (("rate_per_10000", "percent"), ("count",)):
        for i in candidates:
            if inputs.unit(i) in kinds and not i.startswith(("ATT_", "CPO_")):
                return i
    return candidates[0] if candidates else None


def spread_rows(inputs: Inputs, outcome: str) -> tuple[list[str], list[dict]]:
    """Every area with every indicator of the outcome, for the data table under the spread chart."""
    indicators = [i for i in inputs.indicators_of(outcome) if not scotland_only(inputs, i)]
    rows = []
    for code, name in sorted(inputs.areas.items(), key=lambda pair: pair[1]):
        cells = []
        for i in indicators:
            row = inputs.value(code, i)
            cells.append(fmt.shown(row["value"], row["marker"], inputs.unit(i)) if row else "[x]")
        rows.append({"area": name, "cells": cells})
    return indicators, rows


def scotland_outcome(inputs: Inputs, outcome: str, charts: dict, spreads: dict) -> dict:
    indicators = inputs.indicators_of(outcome)
    spread_ids, spread_table = spread_rows(inputs, outcome)
    return {
        "id": outcome,
        "wording": inputs.outcomes[outcome],
        "rows": [indicator_row(inputs, SCOTLAND_CODE, i) for i in indicators],
        "chart": charts.get(outcome),
        "spread": spreads.get(outcome),
        "spread_headers": [f"{inputs.name(i)} ({fmt.unit_label(inputs.unit(i))})" for i in spread_ids],
        "spread_table": spread_table,
        "evidence": evidence_summary(inputs, outcome),
        "assessments": assessment_summary(inputs, outcome),
        "compare": compare_link(indicators[0]) if indicators else None,
    }
