"""The real graph (intake -> DuckDB -> dbt) reproduces the generator's truth."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.warehouse.build_plan import dbt_target_path
from cj_pipeline.lib.warehouse.dbt_parse import seed_partial_parse
from cj_pipeline.settings import DBT_PROJECT_DIR, get_settings
from tests.copies import copy_data_dir

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


def _dbt(settings, target: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt itself (not through Dagster) on this warehouse, its artefacts in `target`, which
    starts from the warehouse's own parse (as the pipeline's runs do), not a full parse."""
    seed_partial_parse(dbt_target_path(settings), target, settings.warehouse_path)
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--profiles-dir",
        ".",
        "--target-path",
        str(target),
        "--log-path",
        str(target),
    ]
    env = {**os.environ, "CJ_WAREHOUSE_PATH": str(settings.warehouse_path)}
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)


# One planted fault per rule kind of the row_contract test (dbt_project/tests/generic), as
# (the model's contract test, rule, column(s), SQL that breaks exactly that rule: each fault
# is planted on its own row, so no fault breaks or hides another rule).
PLANTED_FAULTS = [
    (
        "row_contract_fct_indicator_trends",
        "not_null",
        "area_name",
        "update marts.fct_indicator_trends set area_name = null where rowid = (select min(rowid) from marts.fct_indicator_trends)",
    ),
    (
        "row_contract_fct_indicator_trends",
        "unique",
        "area_code, financial_year, indicator_id",
        "insert into marts.fct_indicator_trends select * from marts.fct_indicator_trends "
        "where rowid = (select min(rowid) + 3 from marts.fct_indicator_trends)",
    ),
    (
        "row_contract_fct_indicator_trends",
        "references",
        "indicator_id",
        "update marts.fct_indicator_trends set indicator_id = 'NO_SUCH_INDICATOR' "
        "where rowid = (select min(rowid) + 1 from marts.fct_indicator_trends)",
    ),
    (
        "row_contract_fct_indicator_trends",
        "accepted_values",
        "direction",
        "update marts.fct_indicator_trends set direction = 'sideways' "
        "where rowid = (select min(rowid) + 2 from marts.fct_indicator_trends)",
    ),
    (
        "row_contract_fct_partner_values",
        "value_has_marker",
        "value",
        "update marts.fct_partner_values set value = null, marker = null "
        "where rowid = (select min(rowid) from marts.fct_partner_values)",
    ),
    (
        "row_contract_stg_partners__values",
        "in_range",
        "value",
        "insert into raw.partner_values by name select * replace (-1 as value, '1999-00' as financial_year) "
        "from raw.partner_values where source = 'jsws' and value is not null limit 1",
    ),
    (
        "row_contract_stg_partners__values",
        "financial_year_format",
        "financial_year",
        "insert into raw.partner_values by name select * replace ('2024/25' as financial_year, 'Z2' as cell) "
        "from raw.partner_values where source = 'jsws' limit 1",
    ),
]


@pytest.fixture(scope="module")
def tested(built_warehouse, tmp_path_factory):
    """A copy of the shared build on which dbt runs, in one process, the row_contract tests of
    the planted faults' models and dbt's unit tests (one dbt start, not two). Yields the
    copy's settings, the results of that run and the finished process."""
    settings = get_settings(copy_data_dir(built_warehouse[0].data_dir, tmp_path_factory.mktemp("dbt_tests") / "data"))
    target = settings.data_dir.parent / "before"
    done = _dbt(settings, target, "test", "--select", *CONTRACT_TESTS, "test_type:unit")
    return settings, json.loads((target / "run_results.json").read_text())["results"], done


CONTRACT_TESTS = sorted({test for test, *_ in PLANTED_FAULTS})


def test_dbt_unit_tests_pass(tested):
    """dbt's unit tests check the model code on fixed inputs, not the data, so the
    warehouse build leaves them out (defs/warehouse/assets.py) and this test runs them."""
    _, results, done = tested
    units = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(units) >= 4 and all(r["status"] == "pass" for r in units), done.stdout[-2000:]


def test_row_contract_passes_on_the_build_and_names_every_broken_rule(tested):
    """The per-model row_contract test (one dbt node for all of a model's row rules) passes
    on the build, and fails once a fault is planted for each kind of rule, with one failure
    row per broken rule naming the rule and the column."""
    settings, results, done = tested
    before = {r["unique_id"].split(".")[2]: r for r in results if r["unique_id"].startswith("test.")}
    assert sorted(before) == CONTRACT_TESTS and all(r["status"] == "pass" for r in before.values()), done.stdout[-2000:]
    assert done.returncode == 0, done.stdout[-2000:]
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        columns = {row[0] for row in connection.execute("describe marts.fct_indicator_trends").fetchall()}
        assert {"area_name", "indicator_id", "direction"} <= columns, "the planted faults need these columns"
        for *_, sql in PLANTED_FAULTS:
            connection.execute(sql)
    target = settings.data_dir.parent / "after"
    done = _dbt(settings, target, "test", "--select", *CONTRACT_TESTS, "--store-failures")
    assert done.returncode == 1
    results = {
        r["unique_id"].split(".")[2]: r for r in json.loads((target / "run_results.json").read_text())["results"]
    }
    found = set()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        for test in CONTRACT_TESTS:
            assert results[test]["status"] == "fail"
            rows = connection.execute(
                f"select rule, column_name, problem, failures from {results[test]['relation_name']}"
            ).fetchall()
            assert all(failures >= 1 and problem for _, _, problem, failures in rows)
            found |= {(test, rule, column) for rule, column, _, _ in rows}
    assert found == {(test, rule, column) for test, rule, column, _ in PLANTED_FAULTS}
