"""An independent check: indicators, trends and benchmarks recomputed in plain Python
from the generator's truth (what the partner files say), compared with the warehouse."""

import csv

import duckdb
import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE

DISPOSALS = ("disposals_custody", "disposals_community", "disposals_financial", "disposals_other")
HL = {
    "HL_CUSTODY_PCT": "disposals_custody",
    "HL_COMMUNITY_PCT": "disposals_community",
    "HL_FINANCIAL_PCT": "disposals_financial",
    "HL_OTHER_PCT": "disposals_other",
}
JSWS_RATIOS = {
    "NO4_CPO_COMPLETED_PCT": ("cpo_completed", "cpo_terminated"),
    "ATT_BAIL_COMMENCED_PCT": ("bail_commenced", "bail_assessments"),
    "ATT_BAIL_COMPLETED_PCT": ("bail_completed", "bail_commenced"),
    "ATT_BAIL_OVERALL_PCT": ("bail_completed", "bail_assessments"),
}


def _ratio(parts, multiplier):
    """parts: [(value, marker)] of numerator and denominator (already combined)."""
    (num, num_marker), (den, den_marker) = parts
    if "[c]" in (num_marker or "") or "[c]" in (den_marker or ""):
        return None, "[c]"
    if num is None or den is None:
        return None, "[x]"
    markers = sorted({m for m in (num_marker, den_marker) if m})
    return multiplier * num / den, " ".join(markers) or None


def _expected(truth, indicator, area, year):
    if indicator in JSWS_RATIOS:
        num, den = JSWS_RATIOS[indicator]
        return _ratio([truth.value("jsws", area, year, num), truth.value("jsws", area, year, den)], 100)
    if indicator in HL:
        groups = [truth.value("criminal_proceedings", area, year, m) for m in DISPOSALS]
        if any(marker == "[c]" for _, marker in groups):
            total = (None, "[c]")
        else:
            markers = sorted({m for _, m in groups if m})
            total = (sum(v for v, _ in groups), " ".join(markers) or None)
        return _ratio([truth.value("criminal_proceedings", area, year, HL[indicator]), total], 100)
    if indicator == "NO1_COMMENCED_RATE":
        # Population of the year the financial year starts: the population file's `Year`
        # column holds int(year[:4]); truth keys it by that financial year.
        population = truth.value("population", area, year, "population_16plus")
        return _ratio([truth.value("jsws", area, year, "diversion_commenced"), population], 10_000)
    if indicator == "CTX_RECORDED_CRIME_RATE":
        crimes = truth.value("recorded_crime", area, year, "recorded_crimes")
        return _ratio([crimes, truth.value("population", area, year, "population_all_ages")], 10_000)
    if indicator == "CTX_RECONVICTION_RATE":
        # Reconvicted = the published rate x offenders; Scotland from the partner's own row.
        rate, _ = truth.value("reconvictions", area, year, "reconviction_rate")
        offenders = truth.value("reconvictions", area, year, "offenders")
        reconvicted = (None if rate is None or offenders[0] is None else rate * offenders[0] / 100, None)
        return _ratio([reconvicted, offenders], 100)
    raise KeyError(indicator)


INDICATORS = (*JSWS_RATIOS, *HL, "NO1_COMMENCED_RATE", "CTX_RECORDED_CRIME_RATE", "CTX_RECONVICTION_RATE")


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    settings, truth, result = built_warehouse
    assert result.success
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        values = {
            (r[0], r[1], r[2]): (r[3], r[4])
            for r in connection.execute(
                "select area_code, financial_year, indicator_id, value, marker from marts.fct_indicator_values"
            ).fetchall()
        }
        trends = {}
        cursor = connection.execute("select * from marts.fct_indicator_trends")
        columns = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(columns, row, strict=True))
            trends[(record["area_code"], record["financial_year"], record["indicator_id"])] = record
        cursor = connection.execute("select * from marts.fct_benchmark")
        columns = [d[0] for d in cursor.description]
        benchmark = {}
        for row in cursor.fetchall():
            record = dict(zip(columns, row, strict=True))
            benchmark[(record["area_code"], record["financial_year"], record["indicator_id"])] = record
        groups = dict(
            connection.execute("select area_code, comparator_group from marts.dim_comparator_group").fetchall()
        )
    return truth, values, trends, benchmark, groups


@pytest.fixture(scope="module")
def recomputed(warehouse):
    truth = warehouse[0]
    return {
        (area, year, indicator): _expected(truth, indicator, area, year)
        for indicator in INDICATORS
        for area in (*truth.area_codes, SCOTLAND_CODE)
        for year in truth.years
    }


@pytest.mark.parametrize("indicator", INDICATORS)
def test_indicator_values_match_python(warehouse, recomputed, indicator):
    truth, values, *_ = warehouse
    suppressed = 0
    for area in (*truth.area_codes, SCOTLAND_CODE):
        for year in truth.years:
            expected_value, expected_marker = recomputed[(area, year, indicator)]
            value, marker = values[(area, year, indicator)]
            assert marker == expected_marker, (area, year, indicator)
            if expected_value is None:
                assert value is None
                suppressed += 1
            else:
                assert value == pytest.approx(expected_value, rel=1e-12), (area, year, indicator)
    if indicator == "NO4_CPO_COMPLETED_PCT":
        # Scotland must be the ratio of the partner's Scotland totals, i.e. the ratio of
        # sums over all 32 areas, never the mean of the area percentages.
        year = truth.years[0]
        area_pcts = [recomputed[(a, year, indicator)][0] for a in truth.area_codes]
        scotland = values[(SCOTLAND_CODE, year, indicator)][0]
        assert scotland != pytest.approx(sum(area_pcts) / len(area_pcts), rel=1e-9)


def test_rates_use_population_of_the_start_year(warehouse):
    truth, values, *_ = warehouse
    # The population file is keyed by the mid-year (`Year` = 2024); the rate for 2024-25
    # must use that row, not mid-2025. Read the file itself to tie the two together.
    (path,) = [p for p in truth.partner_files if p.name == "mid_year_estimates_16plus.csv"]
    by_code_and_year = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) == 3 and row[1].isdigit():
                by_code_and_year[(row[0], int(row[1]))] = float(row[2].replace(",", ""))
    checked = 0
    for year in truth.years[2:]:
        start = int(year[:4])
        for area in truth.area_codes:
            value, _ = values[(area, year, "NO1_COMMENCED_RATE")]
            commenced = truth.value("jsws", area, year, "diversion_commenced")[0]
            if value is None or commenced is None or (area, start) not in by_code_and_year:
                continue
            implied = 10_000 * commenced / value
            assert implied == pytest.approx(by_code_and_year[(area, start)], rel=1e-9)
            if (area, start + 1) in by_code_and_year:
                assert implied != pytest.approx(by_code_and_year[(area, start + 1)], rel=1e-9)
            checked += 1
    assert checked > 100


def _previous(year):
    start = int(year[:4]) - 1
    return f"{start}-{str(start + 1)[-2:]}"


@pytest.mark.parametrize("indicator", ["NO4_CPO_COMPLETED_PCT", "ATT_BAIL_OVERALL_PCT", "HL_CUSTODY_PCT"])
def test_trends_match_python(warehouse, recomputed, indicator):
    truth, _, trends, *_ = warehouse
    polarity = {"NO4_CPO_COMPLETED_PCT": 1, "ATT_BAIL_OVERALL_PCT": 1, "HL_CUSTODY_PCT": -1}[indicator]
    seen = {"improving": 0, "worsening": 0, "no clear change": 0}
    for area in (*truth.area_codes, SCOTLAND_CODE):
        for index, year in enumerate(truth.years):
            row = trends[(area, year, indicator)]
            value = recomputed[(area, year, indicator)][0]
            window = [
                recomputed.get((area, y, indicator), (None,))[0] for y in truth.years[max(0, index - 2) : index + 1]
            ]
            previous = window[-2] if index > 0 else None
            if value is None or previous is None:
                assert row["change_on_previous_year"] is None
                assert row["direction"] is None
            else:
                change = value - previous
                assert row["previous_year"] == _previous(year)
                assert row["change_on_previous_year"] == pytest.approx(change, rel=1e-9, abs=1e-9)
                assert row["change_on_previous_year_pct"] == pytest.approx(100 * change / previous, rel=1e-9, abs=1e-9)
                expected = (
                    "no clear change" if abs(change) <= 2 else "improving" if polarity * change > 0 else "worsening"
                )
                assert row["direction"] == expected, (area, year)
                seen[expected] += 1
            if index >= 2 and None not in window:
                assert row["rolling_mean_3yr"] == pytest.approx(sum(window) / 3, rel=1e-12)
            else:
                assert row["rolling_mean_3yr"] is None
            assert row["pandemic_year"] == (year in ("2020-21", "2021-22"))
    assert all(seen.values()), seen


def test_count_direction_uses_five_percent_of_previous_value(warehouse):
    truth, _, trends, *_ = warehouse
    checked = 0
    for area in truth.area_codes:
        for prev_year, year in zip(truth.years, truth.years[1:], strict=False):
            current = truth.value("jsws", area, year, "diversion_commenced")[0]
            previous = truth.value("jsws", area, prev_year, "diversion_commenced")[0]
            row = trends[(area, year, "NO1_COMMENCED")]
            if current is None or previous is None:
                assert row["direction"] is None
                continue
            change = current - previous
            expected = (
                "no clear change" if abs(change) <= 0.05 * previous else "improving" if change > 0 else "worsening"
            )
            assert row["direction"] == expected
            checked += 1
    assert checked > 100


def test_benchmark_group_is_ratio_of_sums_and_rank_by_polarity(warehouse):
    truth, values, _, benchmark, groups = warehouse
    year = truth.years[-2]
    indicator = "NO4_CPO_COMPLETED_PCT"
    members = [a for a in truth.area_codes if groups[a] == "lgbf_deprivation_4_most_deprived"]
    assert len(members) == 8
    num = den = 0.0
    with_value = 0
    for area in members:
        completed = truth.value("jsws", area, year, "cpo_completed")[0]
        terminated = truth.value("jsws", area, year, "cpo_terminated")[0]
        if completed is not None and terminated is not None:
            num, den, with_value = num + completed, den + terminated, with_value + 1
    row = benchmark[(members[0], year, indicator)]
    assert row["group_value"] == pytest.approx(100 * num / den, rel=1e-12)
    assert row["group_areas_with_value"] == with_value
    assert row["scotland_value"] == values[(SCOTLAND_CODE, year, indicator)][0]
    # Rank 1 = highest completion (higher is better), RANK semantics.
    area_values = {a: values[(a, year, indicator)][0] for a in truth.area_codes}
    for area, value in area_values.items():
        if value is None:
            assert benchmark[(area, year, indicator)]["rank_in_scotland"] is None
        else:
            better = sum(1 for v in area_values.values() if v is not None and v > value)
            assert benchmark[(area, year, indicator)]["rank_in_scotland"] == better + 1
    # Lower is better: rank 1 is the lowest custody share.
    custody = {a: values[(a, year, "HL_CUSTODY_PCT")][0] for a in truth.area_codes}
    best = min((v, a) for a, v in custody.items() if v is not None)[1]
    assert benchmark[(best, year, "HL_CUSTODY_PCT")]["rank_in_scotland"] == 1
    # Count indicators: group value is the sum of members with a value, [u] when partial.
    count_rows = [benchmark[(a, year, "NO1_COMPLETED")] for a in members]
    member_values = [truth.value("jsws", a, year, "diversion_completed")[0] for a in members]
    assert count_rows[0]["group_value"] == sum(v for v in member_values if v is not None)
    if None in member_values:
        assert "[u]" in count_rows[0]["group_marker"]
