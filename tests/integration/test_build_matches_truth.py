"""The real graph (intake -> DuckDB -> dbt) reproduces the generator's truth."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.settings import DBT_PROJECT_DIR

NO1 = {
    "NO1_ASSESSMENTS": "diversion_assessments",
    "NO1_COMMENCED": "diversion_commenced",
    "NO1_COMPLETED": "diversion_completed",
}
ATTRITION = {
    "ATT_DIV_COMMENCED_PCT": ("diversion_commenced", "diversion_assessments"),
    "ATT_DIV_COMPLETED_PCT": ("diversion_completed", "diversion_commenced"),
    "ATT_DIV_OVERALL_PCT": ("diversion_completed", "diversion_assessments"),
}
CONTRACT_COLUMNS = [
    "area_code",
    "area_name",
    "financial_year",
    "indicator_id",
    "value",
    "numerator",
    "denominator",
    "marker",
]


@pytest.fixture(scope="module")
def indicators(built_warehouse):
    settings, truth, result = built_warehouse
    assert result.success
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        rows = connection.execute("select * from marts.fct_indicator_values").fetchall()
        columns = [d[0] for d in connection.description]
    return columns, {(r[0], r[2], r[3]): dict(zip(columns, r, strict=True)) for r in rows}


def _expected_ratio(truth, area, year, num_measure, den_measure):
    num, num_marker = truth.value("jsws", area, year, num_measure)
    den, den_marker = truth.value("jsws", area, year, den_measure)
    if "[c]" in (num_marker, den_marker):
        return None, "[c]"
    markers = sorted({m for m in (num_marker, den_marker) if m})
    return 100 * num / den, " ".join(markers) or None


def test_contract_columns_exactly(indicators):
    columns, _ = indicators
    assert columns == CONTRACT_COLUMNS


def test_all_areas_scotland_and_years_present(built_warehouse, indicators):
    _, truth, _ = built_warehouse
    _, rows = indicators
    for year in truth.years:
        for area in (*truth.area_codes, SCOTLAND_CODE):
            for indicator in (*NO1, *ATTRITION):
                assert (area, year, indicator) in rows, (area, year, indicator)
    assert len(truth.years) >= 6


def test_no1_counts_equal_truth_with_markers(built_warehouse, indicators):
    _, truth, _ = built_warehouse
    _, rows = indicators
    checked_suppressed = 0
    for year in truth.years:
        for area in (*truth.area_codes, SCOTLAND_CODE):
            for indicator, measure in NO1.items():
                value, marker = truth.value("jsws", area, year, measure)
                row = rows[(area, year, indicator)]
                assert row["value"] == value, (area, year, indicator)
                assert row["marker"] == marker, (area, year, indicator)
                checked_suppressed += marker == "[c]"
    assert checked_suppressed > 0, "the sample must exercise suppressed cells"


def test_scotland_comes_from_the_partner_row_not_a_33rd_area(built_warehouse, indicators):
    _, truth, _ = built_warehouse
    _, rows = indicators
    for year in truth.years:
        true_total = sum(truth.true_counts[("jsws", a, year, "diversion_commenced")] for a in truth.area_codes)
        published_row = truth.value("jsws", SCOTLAND_CODE, year, "diversion_commenced")[0]
        assert rows[(SCOTLAND_CODE, year, "NO1_COMMENCED")]["value"] == published_row
        area_sum = sum(rows[(a, year, "NO1_COMMENCED")]["value"] or 0 for a in truth.area_codes)
        # Areas suppressed in the file are inside the Scotland total, so it can only be larger.
        assert area_sum <= published_row
        assert published_row == true_total


def test_attrition_ratios_are_ratios_of_the_counts(built_warehouse, indicators):
    _, truth, _ = built_warehouse
    _, rows = indicators
    for year in truth.years:
        for area in (*truth.area_codes, SCOTLAND_CODE):
            for indicator, (num, den) in ATTRITION.items():
                expected_value, expected_marker = _expected_ratio(truth, area, year, num, den)
                row = rows[(area, year, indicator)]
                assert row["marker"] == expected_marker, (area, year, indicator)
                if expected_value is None:
                    assert row["value"] is None
                else:
                    assert row["value"] == pytest.approx(expected_value, rel=1e-12)
                    assert row["numerator"] == truth.value("jsws", area, year, num)[0]
                    assert row["denominator"] == truth.value("jsws", area, year, den)[0]


def test_revised_values_supersede_and_history_is_kept(built_warehouse, indicators):
    settings, truth, _ = built_warehouse
    _, rows = indicators
    revised = [k for k, v in truth.published.items() if v[1] == "[r]"]
    assert revised
    source, area, year, measure = revised[0]
    assert rows[(area, year, "NO1_ASSESSMENTS")]["marker"] == "[r]"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        versions = connection.execute(
            "select value, is_current from intermediate.int_partner_values_versioned "
            "where area_code = ? and financial_year = ? and measure = 'diversion_assessments' order by arrival_seq",
            [area, year],
        ).fetchall()
    assert len(versions) == 2
    assert [current for _, current in versions] == [False, True]
    assert versions[1][0] == truth.value("jsws", area, year, "diversion_assessments")[0]


def test_every_file_received_is_archived_and_has_a_receipt(built_warehouse):
    settings, truth, _ = built_warehouse
    objects = list((settings.archive_dir / "objects").rglob("*"))
    assert len([o for o in objects if o.is_file()]) >= len(truth.partner_files)
    receipts = list(settings.receipts_dir.glob("*.json"))
    assert len(receipts) >= len(truth.partner_files)


def test_not_null_columns_names_the_column_that_holds_a_null(warehouse_copy, tmp_path):
    """The per-model not_null_columns test (dbt_project/tests/generic) passes on the build
    and fails, naming the column, once a NULL is planted in one of its columns."""
    settings, _ = warehouse_copy
    target = tmp_path / "target"

    def dbt_test() -> tuple[int, dict]:
        command = [
            str(Path(sys.executable).with_name("dbt")),
            "test",
            "--profiles-dir",
            ".",
            "--select",
            "fct_indicator_values,test_name:not_null_columns",
            "--store-failures",
            "--target-path",
            str(target),
            "--log-path",
            str(target),
        ]
        env = {**os.environ, "CJ_WAREHOUSE_PATH": str(settings.warehouse_path)}
        done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
        (result,) = json.loads((target / "run_results.json").read_text())["results"]
        return done.returncode, result

    code, result = dbt_test()
    assert code == 0 and result["status"] == "pass"
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute(
            "update marts.fct_indicator_values set area_name = null where indicator_id = 'NO1_COMMENCED'"
        )
    code, result = dbt_test()
    assert code == 1 and result["status"] == "fail" and result["failures"] == 1
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        failures = connection.execute(f"select null_column, null_rows from {result['relation_name']}").fetchall()
        planted = connection.execute(
            "select count(*) from marts.fct_indicator_values where indicator_id = 'NO1_COMMENCED'"
        ).fetchall()[0][0]
    assert failures == [("area_name", planted)]
