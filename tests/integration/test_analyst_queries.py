"""Every SQL example in the "For analysts" section of docs/analysts.md runs on a built warehouse."""

import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"


def _analyst_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)


QUERIES = _analyst_queries()


def _run(settings, sql):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        rows = connection.execute(sql).fetchall()
        columns = [d[0] for d in connection.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_the_section_has_five_or_six_queries():
    assert 5 <= len(QUERIES) <= 6


@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_every_query_returns_rows(built_warehouse, index):
    settings, _, result = built_warehouse
    assert result.success
    rows = _run(settings, QUERIES[index])
    assert rows, QUERIES[index]


def test_top_five_are_ranked_best_first(built_warehouse):
    settings, truth, _ = built_warehouse
    rows = _run(settings, QUERIES[0])
    assert [r["rank_in_scotland"] for r in rows] == sorted(r["rank_in_scotland"] for r in rows)
    assert rows[0]["rank_in_scotland"] == 1 and len(rows) >= 5
    values = [r["cpo_completed_pct"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert {r["financial_year"] for r in rows} == {truth.years[-1]}


def test_funnel_has_every_year_and_the_ratios_of_its_counts(built_warehouse):
    settings, truth, _ = built_warehouse
    rows = _run(settings, QUERIES[1])
    assert [r["financial_year"] for r in rows] == list(truth.years)
    for row in rows:
        if row["assessments"] and row["commenced"] is not None:
            assert row["commenced_per_assessment_pct"] == pytest.approx(100 * row["commenced"] / row["assessments"])


def test_area_vs_scotland_difference(built_warehouse):
    settings, _, _ = built_warehouse
    rows = _run(settings, QUERIES[2])
    assert {r["comparator_group"] for r in rows} == {"lgbf_deprivation_3"}  # Fife's official LGBF group
    for row in rows:
        assert row["difference_from_scotland"] == pytest.approx(row["area_pct"] - row["scotland_pct"])
        assert row["areas_ranked"] <= 32


def test_worsened_rows_really_changed_against_polarity(built_warehouse):
    settings, _, _ = built_warehouse
    rows = _run(settings, QUERIES[3])
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        polarity = dict(connection.execute("select indicator_id, polarity from marts.dim_indicator").fetchall())
    for row in rows:
        sign = 1 if polarity[row["indicator_id"]] == "higher_is_better" else -1
        assert sign * row["change_on_previous_year"] < 0


def test_scotland_trends_flag_the_pandemic_years(built_warehouse):
    settings, _, _ = built_warehouse
    rows = _run(settings, QUERIES[4])
    flagged = {r["financial_year"] for r in rows if r["pandemic_year"]}
    assert flagged == {"2020-21", "2021-22"}
    assert {r["financial_year"] for r in rows if r["change_involves_pandemic_year"]} == {
        "2020-21",
        "2021-22",
        "2022-23",
    }


def test_cpo_rate_range_brackets_scotland(built_warehouse):
    settings, _, _ = built_warehouse
    (row,) = _run(settings, QUERIES[5])
    assert row["lowest_rate"] <= row["scotland_rate"] <= row["highest_rate"]
    assert row["lowest_area"] == "Shetland Islands"
