"""Disclosure control and rounding for the published tables (publication only).

The warehouse keeps true values; this module decides what may leave.

Cells are modelled as the underlying counts ("measures"): the key of a cell is
(area_code, financial_year, measure), e.g. (Fife, 2024-25, diversion_commenced).
The same count appears in several published places (NO1_COMMENCED's value, the
numerator of ATT_DIV_COMMENCED_PCT, the denominator of ATT_DIV_COMPLETED_PCT, the
numerator of NO1_COMMENCED_RATE), so a decision is taken once per measure and then
applied to every place it shows.

Relations (total == sum of parts) held by the published tables:
- Scotland = sum of the 32 areas, for every count measure and year. Where Scotland
  came from a partner's own row (areas may be suppressed in it) the relation holds
  only approximately; it is treated as a relation anyway (the conservative choice).
- Comparator group = sum of its member areas (group values in the benchmark table).
  Group totals are treated as published, the conservative choice: a group ratio
  times a group denominator that is itself derivable gives the group numerator.
- HL disposals: disposals_total = custody + community + financial + other, for each
  area and Scotland; the four HL_*_PCT share that denominator.

`lib.disclosure.suppress` adds secondary suppression until no relation has exactly
one unknown member. Then:
- a count indicator whose measure is suppressed is published as [c];
- a ratio (HL_*, NO4_*, NO7_*, ATT_*, LM*, rates) whose numerator or denominator
  measure is suppressed is published as [c] with numerator and denominator hidden
  ([c]); so is a percentage on a base below the policy's min_denominator (a
  reliability rule: the counts themselves, when they are indicators of their own
  and not small, stay published);
- population denominators of rates are not confidential and never suppressed;
- NO9 (a survey percentage, Scotland only, no counts) is not controlled.
Trends: a change, rolling mean or direction computed from a suppressed value is [c].
Rounding happens here only: counts whole numbers, percentages and rates 1 decimal place.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE, read_seed
from cj_pipeline.lib.publish import disclosure
from cj_pipeline.lib.publish.disclosure import Relation

SUPPRESSED = disclosure.SUPPRESSED
HL_PARTS = ("disposals_custody", "disposals_community", "disposals_financial", "disposals_other")
HL_TOTAL = "disposals_total"


@dataclass(frozen=True)
class Policy:
    small_count_min: int = 1
    small_count_max: int = 4
    min_denominator: dict[str, float] = field(default_factory=lambda: {"percent": 10.0})
    decimals: dict[str, int] = field(default_factory=lambda: {"count": 0, "percent": 1, "rate_per_10000": 1})

    def round(self, value: float | None, unit: str) -> float | int | None:
        # Not a number or infinite: no figure to publish (never int(inf) -> OverflowError). Intake
        # bounds every number (cells.MAX_NUMBER) and dbt tests every value is finite or marked.
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return None
        places = self.decimals.get(unit, 1)
        if places == 0:
            return int(math.floor(value + 0.5))  # half up, not banker's rounding
        scale = 10**places
        return math.floor(value * scale + 0.5) / scale


def load_policy() -> Policy:
    """The policy from data/seeds/disclosure_policy.csv (documented there and in the README)."""
    rows = read_seed("disclosure_policy")
    small_min, small_max = 1, 4
    min_den: dict[str, float] = {}
    decimals: dict[str, int] = {}
    for row in rows:
        threshold = float(row["threshold"])
        if row["rule"] == "small_count_min":
            small_min = int(threshold)
        elif row["rule"] == "small_count_max":
            small_max = int(threshold)
        elif row["rule"] == "min_denominator":
            min_den[row["applies_to"]] = threshold
        elif row["rule"] == "decimals":
            decimals[row["applies_to"]] = int(threshold)
    if (small_min, small_max) != (disclosure.SMALL_COUNT_MIN, disclosure.SMALL_COUNT_MAX):
        raise ValueError(
            f"disclosure_policy small counts {small_min}-{small_max} differ from lib/publish/disclosure.py "
            f"({disclosure.SMALL_COUNT_MIN}-{disclosure.SMALL_COUNT_MAX}); change both together"
        )
    return Policy(small_min, small_max, min_den, decimals)


@dataclass(frozen=True)
class IndicatorInfo:
    indicator_id: str
    unit: str
    method: str
    numerator_measure: str | None
    denominator_measure: str | None
    multiplier: float
    scotland_only: bool

    @property
    def controlled(self) -> bool:
        return self.method in ("count", "ratio")

    @property
    def denominator_confidential(self) -> bool:
        # Population estimates are public: never a confidential count.
        return self.method == "ratio" and self.unit != "rate_per_10000"


def indicator_catalogue(rows: Iterable[Mapping]) -> dict[str, IndicatorInfo]:
    out = {}
    for row in rows:
        out[row["indicator_id"]] = IndicatorInfo(
            indicator_id=row["indicator_id"],
            unit=row["unit"],
            method=row["method"],
            numerator_measure=row.get("numerator_measure") or None,
            denominator_measure=row.get("denominator_measure") or None,
            multiplier=float(row.get("multiplier") or 1),
            scotland_only=str(row.get("scotland_only")).lower() in ("true", "1"),
        )
    return out


def measure_values(values: list[dict], catalogue: Mapping[str, IndicatorInfo]) -> dict[Hashable, float | None]:
    """(area, year, measure) -> true count, from the indicator rows."""
    out: dict[Hashable, float | None] = {}
    placeholders: set = set()

    def put(key, number, marker=None):
        if number is None or (isinstance(number, float) and math.isnan(number)):
            if marker == SUPPRESSED:
                # Suppressed at source: by definition a small count. A placeholder of 1
                # makes it a primary suppression so its relations get a complement.
                if out.get(key) is None:
                    out[key] = float(disclosure.SMALL_COUNT_MIN)
                    placeholders.add(key)
            else:
                out.setdefault(key, None)
        elif key not in out or out[key] is None or key in placeholders:
            out[key] = float(number)
            placeholders.discard(key)

    for row in values:
        info = catalogue.get(row["indicator_id"])
        if info is None or not info.controlled or not info.numerator_measure:
            continue
        area, year = row["area_code"], row["financial_year"]
        if info.method == "count":
            number = row["value"] if row["value"] is not None else row["numerator"]
            put((area, year, info.numerator_measure), number, row["marker"])
        else:
            put((area, year, info.numerator_measure), row["numerator"], row["marker"])
            if info.denominator_confidential and info.denominator_measure:
                put((area, year, info.denominator_measure), row["denominator"], row["marker"])
    return out


def build_relations(
    measures: Mapping[Hashable, float | None],
    areas: list[str],
    groups: Mapping[str, list[str]],
) -> tuple[list[Relation], dict[Hashable, float | None]]:
    """The relations over measure keys, and the group totals they introduce."""
    relations: list[Relation] = []
    group_totals: dict[Hashable, float | None] = {}
    keys = cast("Iterable[tuple[str, str, str]]", measures)  # (area, year, measure): measure_values
    years_measures = sorted({(year, measure) for (_, year, measure) in keys})
    for year, measure in years_measures:
        scotland = (SCOTLAND_CODE, year, measure)
        parts = tuple((area, year, measure) for area in areas)
        if scotland in measures and any(part in measures for part in parts):
            relations.append(Relation(scotland, parts))
        for group, members in sorted(groups.items()):
            member_keys = tuple((area, year, measure) for area in members)
            known = [value for k in member_keys if (value := measures.get(k)) is not None]
            if not known:
                continue
            total = ("group:" + group, year, measure)
            group_totals[total] = float(sum(known))
            relations.append(Relation(total, member_keys))
    for area, year in sorted({(a, y) for (a, y, m) in keys if m == HL_TOTAL}):
        relations.append(Relation((area, year, HL_TOTAL), tuple((area, year, part) for part in HL_PARTS)))
    return relations, group_totals


@dataclass
class SuppressionDecision:
    """Which measures are published as [c], and the totals and relations that decided it."""

    measures: dict[Hashable, float | None]  # true values incl. group totals
    relations: list[Relation]
    suppressed: set[Hashable]  # measure keys published as [c]


def decide_suppression(
    values: list[dict], catalogue, areas: list[str], groups, primary_only: bool = False
) -> SuppressionDecision:
    measures = measure_values(values, catalogue)
    relations, group_totals = build_relations(measures, areas, groups)
    every = {**measures, **group_totals}
    if primary_only:  # only for the test showing secondary suppression is needed
        suppressed = disclosure.primary_suppression(every)
    else:
        suppressed = disclosure.suppress(every, relations)
    return SuppressionDecision(every, relations, suppressed)


def control_values(values: list[dict], catalogue, decision: SuppressionDecision, policy: Policy) -> list[dict]:
    """Published indicator rows: suppressed, rounded, markers beside every missing number."""
    out = []
    for row in values:
        info = catalogue[row["indicator_id"]]
        area, year = row["area_code"], row["financial_year"]
        value, numerator, denominator = row["value"], row["numerator"], row["denominator"]
        marker = row["marker"]
        num_marker = den_marker = None
        hide = False
        if info.controlled and info.numerator_measure:
            num_key = (area, year, info.numerator_measure)
            den_key = (area, year, info.denominator_measure) if info.denominator_confidential else None
            if num_key in decision.suppressed or (den_key is not None and den_key in decision.suppressed):
                hide = True
            elif (
                info.method == "ratio"
                and info.unit in policy.min_denominator
                and denominator is not None
                and denominator < policy.min_denominator[info.unit]
            ):
                hide = True
        if hide:
            value = numerator = denominator = None
            marker = num_marker = den_marker = SUPPRESSED
        if info.method == "count":
            numerator = value  # for a count the numerator is the count itself
            num_marker = marker if value is None else None
        published = {
            "area_code": area,
            "area_name": row["area_name"],
            "financial_year": year,
            "indicator_id": row["indicator_id"],
            "unit": info.unit,
            "value": policy.round(value, info.unit),
            "marker": marker if marker else (None if value is not None else "[x]"),
            "numerator": policy.round(numerator, "count"),
            "numerator_marker": num_marker if numerator is None else None,
            "denominator": policy.round(denominator, "count"),
            "denominator_marker": den_marker if denominator is None else None,
        }
        if published["numerator"] is None and published["numerator_marker"] is None:
            published["numerator_marker"] = "[z]" if info.method == "direct" else (marker or "[x]")
        if published["denominator"] is None and published["denominator_marker"] is None:
            published["denominator_marker"] = "[z]" if info.method != "ratio" else (marker or "[x]")
        out.append(published)
    return out


TREND_DERIVED = (
    "previous_value",
    "change_on_previous_year",
    "change_on_previous_year_pct",
    "change_since_start",
    "change_since_start_pct",
    "rolling_mean_3yr",
)


def control_trends(
    trends: list[dict], published_values: list[dict], years: list[str], policy: Policy, catalogue
) -> list[dict]:
    """Trend rows with the published value; anything computed from a [c] value is [c]."""
    hidden = {
        (r["area_code"], r["indicator_id"], r["financial_year"]) for r in published_values if r["marker"] == SUPPRESSED
    }
    by_key = {(r["area_code"], r["financial_year"], r["indicator_id"]): r for r in published_values}
    index = {year: i for i, year in enumerate(years)}
    out = []
    for row in trends:
        area, year, ind = row["area_code"], row["financial_year"], row["indicator_id"]
        pub = by_key.get((area, year, ind))
        if pub is None:
            continue
        info = catalogue[ind]
        i = index.get(year, 0)
        prev = years[i - 1] if i > 0 else None
        window = [years[j] for j in range(max(0, i - 2), i + 1)]
        start = row.get("series_start_year")
        new = dict(row)
        new["value"], new["marker"] = pub["value"], pub["marker"]
        dependencies = {
            "change_on_previous_year": [year, prev],
            "change_on_previous_year_pct": [year, prev],
            "change_since_start": [year, start],
            "change_since_start_pct": [year, start],
            "rolling_mean_3yr": window,
            "previous_value": [prev],
        }
        for column in TREND_DERIVED:
            if column not in row:
                continue
            depends = [y for y in dependencies[column] if y]
            if any((area, ind, y) in hidden for y in depends):
                new[column] = None
                new[column + "_marker"] = SUPPRESSED
            else:
                unit = "percent" if column.endswith("_pct") else info.unit
                new[column] = policy.round(row[column], unit)
                new[column + "_marker"] = None if new[column] is not None else "[x]"
        if "series_start_value" in row:
            if start and (area, ind, start) in hidden:
                new["series_start_value"] = None
            else:
                new["series_start_value"] = policy.round(row["series_start_value"], info.unit)
        if (
            "direction" in row
            and (area, ind, year) in hidden
            or ("direction" in row and new.get("change_on_previous_year_marker") == SUPPRESSED)
        ):
            new["direction"] = SUPPRESSED
        for column in ("direction_threshold",):
            if column in new:
                new[column] = policy.round(new[column], "percent")
        out.append(new)
    return out


def control_benchmark(
    benchmark: list[dict],
    published_values: list[dict],
    decision: SuppressionDecision,
    catalogue,
    groups_of: Mapping[str, str],
    policy: Policy,
) -> list[dict]:
    by_key = {(r["area_code"], r["financial_year"], r["indicator_id"]): r for r in published_values}
    out = []
    for row in benchmark:
        area, year, ind = row["area_code"], row["financial_year"], row["indicator_id"]
        info = catalogue[ind]
        pub = by_key.get((area, year, ind))
        scot = by_key.get((SCOTLAND_CODE, year, ind))
        if pub is None:
            continue
        new = dict(row)
        new["value"], new["marker"] = pub["value"], pub["marker"]
        if scot is not None:
            new["scotland_value"], new["scotland_marker"] = scot["value"], scot["marker"]
        else:
            new["scotland_value"] = policy.round(row.get("scotland_value"), info.unit)
        group = row.get("comparator_group") or groups_of.get(area)
        group_hidden = False
        if info.controlled and info.numerator_measure and group:
            keys = [("group:" + group, year, info.numerator_measure)]
            if info.denominator_confidential:
                keys.append(("group:" + group, year, info.denominator_measure))
            group_hidden = any(k in decision.suppressed for k in keys)
        if group_hidden:
            new["group_value"], new["group_marker"] = None, SUPPRESSED
        else:
            new["group_value"] = policy.round(row.get("group_value"), info.unit)
        value_hidden = pub["value"] is None
        for column in ("difference_from_scotland", "difference_from_group"):
            if column not in row:
                continue
            other_hidden = new["scotland_value"] is None if column.endswith("scotland") else new["group_value"] is None
            if value_hidden or other_hidden:
                new[column] = None
                new[column + "_marker"] = (
                    SUPPRESSED
                    if (new["marker"] == SUPPRESSED or group_hidden or (scot and scot["marker"] == SUPPRESSED))
                    else "[x]"
                )
            else:
                new[column] = policy.round(row[column], info.unit)
                new[column + "_marker"] = None
        for column in ("rank_in_scotland", "rank_in_group"):
            if column in row and value_hidden and row[column] is not None:
                new[column] = None
        out.append(new)
    return out
