"""Each quality check against a tiny DuckDB built in the test: a pass case and a fail case,
and the details name the right area and year."""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pytest

from cj_pipeline.lib.quality import checks
from cj_pipeline.lib.quality.contracts import validate_rows

FIFE, ANGUS, SCOTLAND = "S12000047", "S12000041", "S92000003"


@pytest.fixture
def db():
    connection = duckdb.connect()
    for schema in ("marts", "intermediate"):
        connection.execute(f"create schema {schema}")
    connection.execute(
        """create table marts.fct_evidence_completeness (area_code varchar, financial_year varchar,
           return_status varchar, items_expected int, items_complete int, missing_items varchar,
           ready_to_publish boolean)"""
    )
    connection.execute(
        """create table marts.fct_indicator_values (area_code varchar, area_name varchar,
           financial_year varchar, indicator_id varchar, value double, numerator double,
           denominator double, marker varchar)"""
    )
    connection.execute(
        """create table intermediate.int_partner_values_versioned (partner_source varchar,
           area_code varchar, financial_year varchar, measure varchar, value double, marker varchar,
           is_current boolean)"""
    )
    connection.execute(
        """create table intermediate.int_scotland_reconciliation (partner_source varchar,
           financial_year varchar, measure varchar, scotland_value double, area_sum double,
           scotland_file_name varchar, scotland_sheet varchar, scotland_cell varchar,
           rule_applied varchar, reconciliation_status varchar)"""
    )
    yield connection
    connection.close()


def _completeness(db, *rows):
    db.executemany("insert into marts.fct_evidence_completeness values (?, ?, ?, ?, ?, ?, ?)", rows)


def _values(db, *rows):
    db.executemany("insert into marts.fct_indicator_values values (?, '', ?, ?, ?, ?, ?, ?)", rows)


def test_missing_returns(db):
    _completeness(db, (FIFE, "2024-25", "received", 31, 31, "", True))
    assert checks.missing_returns(db, "2024-25").passed
    _completeness(
        db,
        (ANGUS, "2024-25", "missing", 31, 0, "No return received", False),
        (ANGUS, "2023-24", "rejected", 31, 0, "Return rejected", False),
    )
    result = checks.missing_returns(db, "2024-25")
    assert not result.passed and result.blocking and result.severity == "error"
    assert [(d["area"], d["financial_year"]) for d in result.details] == [("Angus", "2024-25")]
    assert "Angus has not sent a return for 2024-25" in result.details[0]["problem"]
    rejected = checks.missing_returns(db, "2023-24").details
    assert rejected[0]["return_status"] == "rejected" and "rejected" in rejected[0]["problem"]


def test_missing_returns_for_a_year_without_data_names_every_area(db):
    result = checks.missing_returns(db, "2030-31")
    assert len(result.details) == 32 and not result.passed


def test_missing_local_evidence(db):
    _completeness(db, (FIFE, "2024-25", "received", 31, 31, "", True))
    assert checks.missing_local_evidence(db, "2024-25").passed
    _completeness(db, (ANGUS, "2024-25", "received", 31, 29, "LE1.1 evidence (Not known); NO3 progress", False))
    result = checks.missing_local_evidence(db, "2024-25")
    assert not result.passed
    (detail,) = result.details
    assert (detail["area"], detail["financial_year"]) == ("Angus", "2024-25")
    assert detail["missing_items"] == ["LE1.1 evidence (Not known)", "NO3 progress"]


def test_partner_coverage(db):
    from cj_pipeline.lib.core.seeds import local_authorities, read_seed

    rows = []
    for measure in read_seed("partner_measures"):
        codes = [SCOTLAND] if measure["scotland_only"] == "true" else [a["area_code"] for a in local_authorities()]
        rows += [(measure["source"], code, "2023-24", measure["measure"], 1.0, None, True) for code in codes]
    db.executemany("insert into intermediate.int_partner_values_versioned values (?, ?, ?, ?, ?, ?, ?)", rows)
    assert checks.partner_coverage(db, "2023-24").passed
    # A marker counts as present; a missing row or a superseded-only row does not.
    db.execute(
        """update intermediate.int_partner_values_versioned set value = null, marker = '[c]'
                  where area_code = ? and measure = 'custody_referrals'""",
        [ANGUS],
    )
    db.execute(
        """update intermediate.int_partner_values_versioned set is_current = false
                  where area_code = ? and measure = 'diversion_assessments'""",
        [FIFE],
    )
    db.execute("delete from intermediate.int_partner_values_versioned where measure = 'ci_lower'")
    result = checks.partner_coverage(db, "2023-24")
    assert not result.passed
    found = {(d["area"], d["source"], d["measure"], d["financial_year"]) for d in result.details}
    assert found == {("Fife", "jsws", "diversion_assessments", "2023-24"), ("Scotland", "scjs", "ci_lower", "2023-24")}


def test_partner_coverage_never_asks_a_biennial_source_for_a_year_it_does_not_cover(db):
    """scjs covers the years listed in the partner_source_years seed (2023-24, not 2024-25):
    in 2024-25 it is [z] by rule, so its absence does not block."""
    from cj_pipeline.lib.core.seeds import local_authorities, read_seed

    assert "2024-25" not in checks.source_years()["scjs"]
    rows = [
        (m["source"], a["area_code"], "2024-25", m["measure"], 1.0, None, True)
        for m in read_seed("partner_measures")
        if m["source"] != "scjs"
        for a in local_authorities()
    ]
    db.executemany("insert into intermediate.int_partner_values_versioned values (?, ?, ?, ?, ?, ?, ?)", rows)
    assert checks.partner_coverage(db, "2024-25").passed
    assert not checks.partner_coverage(db, "2023-24").passed  # a year it covers: still asked for


def test_partner_coverage_ignores_context_measures_and_years_before_the_window(db):
    """Context measures (required_for_gate = false: recorded crime, reconvictions, population of
    all ages, all homelessness applications) never block; nor does history before the seed's years."""
    from cj_pipeline.lib.core.seeds import local_authorities, read_seed

    gate = [m for m in read_seed("partner_measures") if m["required_for_gate"] == "true"]
    context = {m["measure"] for m in read_seed("partner_measures") if m["required_for_gate"] == "false"}
    assert context == {
        "population_all_ages",
        "recorded_crimes",
        "offenders",
        "reconviction_rate",
        "reconvictions_per_offender",
        "homeless_apps_all",
    }
    rows = []
    for measure in gate:
        codes = [SCOTLAND] if measure["scotland_only"] == "true" else [a["area_code"] for a in local_authorities()]
        rows += [(measure["source"], code, "2024-25", measure["measure"], 1.0, None, True) for code in codes]
    rows.append(("recorded_crime", SCOTLAND, "2015-16", "recorded_crimes", 306_274.0, None, True))
    db.executemany("insert into intermediate.int_partner_values_versioned values (?, ?, ?, ?, ?, ?, ?)", rows)
    assert checks.partner_coverage(db, "2024-25").passed
    assert checks.partner_coverage(db).passed  # 2015-16 is before the reporting window: not checked


def test_numerator_above_denominator_skips_attrition(db):
    _values(
        db,
        (FIFE, "2024-25", "NO4_CPO_COMPLETED_PCT", 80.0, 80, 100, None),
        (FIFE, "2024-25", "ATT_DIV_COMPLETED_PCT", 120.0, 120, 100, None),
    )
    assert checks.numerator_above_denominator(db, "2024-25").passed
    _values(db, (ANGUS, "2024-25", "NO4_CPO_COMPLETED_PCT", 125.0, 125, 100, None))
    result = checks.numerator_above_denominator(db, "2024-25")
    (detail,) = result.details
    assert (detail["area"], detail["financial_year"], detail["indicator_id"]) == (
        "Angus",
        "2024-25",
        "NO4_CPO_COMPLETED_PCT",
    )
    assert detail["source"] == "jsws" and "cpo_completed" in detail["problem"]


def test_percentage_out_of_range_skips_attrition(db):
    _values(
        db,
        (FIFE, "2024-25", "NO9_CONFIDENCE_PCT", 64.0, None, None, None),
        (FIFE, "2024-25", "ATT_BAIL_OVERALL_PCT", 140.0, 140, 100, None),
    )
    assert checks.percentage_out_of_range(db).passed
    _values(db, (SCOTLAND, "2023-24", "NO9_CONFIDENCE_PCT", 104.0, None, None, None))
    result = checks.percentage_out_of_range(db)
    assert [(d["area"], d["financial_year"]) for d in result.details] == [("Scotland", "2023-24")]
    assert checks.percentage_out_of_range(db, "2024-25").passed


def test_scotland_reconciliation_is_a_warning(db):
    row = (
        "jsws",
        "2024-25",
        "cpo_imposed",
        100.0,
        100.0,
        "jsws.xlsx",
        "Table 1",
        "C40",
        "Scotland = sum",
        "reconciles",
    )
    db.execute("insert into intermediate.int_scotland_reconciliation values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    assert checks.scotland_reconciliation(db, "2024-25").passed
    db.execute(
        "insert into intermediate.int_scotland_reconciliation values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("jsws", "2024-25", "vt_commenced", 90.0, 120.0, "jsws.xlsx", "Table 1", "D40", "Scotland = sum", "mismatch"),
    )
    result = checks.scotland_reconciliation(db, "2024-25")
    assert not result.passed and not result.blocking and result.severity == "warning" and result.status == "WARNING"
    (detail,) = result.details
    assert (detail["financial_year"], detail["measure"], detail["cell"], detail["file"]) == (
        "2024-25",
        "vt_commenced",
        "D40",
        "jsws.xlsx",
    )


def test_year_on_year_jumps(db):
    _values(
        db,
        (FIFE, "2023-24", "NO1_ASSESSMENTS", 100.0, None, None, None),
        (FIFE, "2024-25", "NO1_ASSESSMENTS", 140.0, None, None, None),
        # small base: 10 -> 30 is not flagged
        (ANGUS, "2023-24", "NO1_ASSESSMENTS", 10.0, None, None, None),
        (ANGUS, "2024-25", "NO1_ASSESSMENTS", 30.0, None, None, None),
    )
    assert checks.year_on_year_jumps(db, "2024-25").passed
    db.execute(
        "update marts.fct_indicator_values set value = 160 where area_code = ? and financial_year = '2024-25'", [FIFE]
    )
    result = checks.year_on_year_jumps(db, "2024-25")
    assert not result.blocking
    (detail,) = result.details
    assert (detail["area"], detail["financial_year"], detail["previous_year"]) == ("Fife", "2024-25", "2023-24")
    assert detail["change_pct"] == 60.0


def _partner_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "submission_id": ["s1", "s1"],
            "source": ["jsws", "jsws"],
            "area_code": [FIFE, SCOTLAND],
            "financial_year": ["2024-25", "2024-25"],
            "measure": ["cpo_imposed", "cpo_imposed"],
            "value": [12.0, None],
            "marker": [None, "[p] [r]"],
            "sheet": ["Table 1", "Table 1"],
            "cell": ["C5", "C6"],
            "raw_value": ["12", "[p] [r]"],
        }
    )


def test_pandera_contract_passes_good_rows_and_names_a_planted_bad_one():
    assert validate_rows("partner_values", _partner_rows()).passed
    bad = pl.concat(
        [_partner_rows(), _partner_rows().head(1).with_columns(pl.lit(-3.0).alias("value"), pl.lit("C9").alias("cell"))]
    )
    result = validate_rows("partner_values", bad)
    assert not result.passed and result.blocking
    (detail,) = result.details
    assert detail["column"] == "value" and detail["cell"] == "C9" and detail["area"] == "Fife"
    unknown = _partner_rows().with_columns(pl.lit("S99999999").alias("area_code"), pl.lit("[q]").alias("marker"))
    columns = {d["column"] for d in validate_rows("partner_values", unknown).details}
    assert columns == {"area_code", "marker"}


def test_pandera_contract_on_return_measures():
    rows = pl.DataFrame(
        {
            "area_code": [FIFE],
            "financial_year": ["2024-25"],
            "measure_id": ["LM6.1"],
            "numerator": [-1.0],
            "numerator_marker": [None],
            "denominator": [10.0],
            "denominator_marker": ["[c]"],
            "sheet": ["Local measures"],
            "numerator_cell": ["C5"],
        },
        schema_overrides={"numerator_marker": pl.Utf8},
    )
    result = validate_rows("return_measures", rows)
    assert [(d["column"], d["numerator_cell"]) for d in result.details] == [("numerator", "C5")]


def test_great_expectations_suite_catches_a_planted_bad_row():
    from cj_pipeline.lib.quality.expectations import prepare_indicator_values, validate_frame

    good = pd.DataFrame(
        {
            "area_code": [FIFE, ANGUS, FIFE],
            "area_name": ["Fife", "Angus", "Fife"],
            "financial_year": ["2024-25"] * 3,
            "indicator_id": ["NO4_CPO_COMPLETED_PCT", "NO4_CPO_COMPLETED_PCT", "ATT_DIV_COMPLETED_PCT"],
            "value": [80.0, None, 130.0],
            "numerator": [80.0, None, 130.0],
            "denominator": [100.0, None, 100.0],
            "marker": [None, "[c]", None],
        }
    )
    assert validate_frame("fct_indicator_values", prepare_indicator_values(good)).passed
    bad = good.copy()
    bad.loc[1, "marker"] = None  # value NULL with no marker saying why
    bad.loc[0, "value"] = 120.0  # percentage above 100: the SQL check's rule (percentage_out_of_range), not GX's
    result = validate_frame("fct_indicator_values", prepare_indicator_values(bad))
    assert not result.passed
    assert [(d["column"], d["area"]) for d in result.details] == [("value/marker", "Angus")]
    endless = good.copy()
    endless.loc[2, "value"] = float("inf")  # a number that is not finite
    result = validate_frame("fct_indicator_values", prepare_indicator_values(endless))
    assert [(d["column"], d["indicator_id"]) for d in result.details] == [("value/marker", "ATT_DIV_COMPLETED_PCT")]


def test_great_expectations_completeness_suite():
    """Completeness is per local authority, and never more items complete than expected."""
    from cj_pipeline.lib.quality.expectations import validate_frame

    good = pd.DataFrame(
        {
            "area_code": [FIFE, ANGUS],
            "financial_year": ["2024-25"] * 2,
            "return_status": ["received", "missing"],
            "items_expected": [31, 31],
            "items_complete": [31, 0],
        }
    )
    assert validate_frame("fct_evidence_completeness", good).passed
    bad = good.copy()
    bad.loc[0, "items_complete"] = 32
    bad.loc[1, "area_code"] = "S92000003"  # Scotland has no return of its own
    result = validate_frame("fct_evidence_completeness", bad)
    assert sorted(str(d["column"]) for d in result.details) == sorted(
        ["area_code", "['items_expected', 'items_complete']"]
    )
