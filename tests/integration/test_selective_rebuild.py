"""One corrected return on a built warehouse: `run_build` refreshes only what depends on it.

A copy of the shared built warehouse (its dbt build state included) gets one corrected
return. The next `run_build` must pick the selective job, refresh the marts with the
corrected numbers, leave partner-only and reference relations alone, and run the dbt tests
of the rebuilt models as asset checks. A second run with nothing new must skip dbt.
"""

import os

import dagster as dg
import duckdb
import pytest

from cj_pipeline.definitions import defs
from cj_pipeline.lib.core.kinds import RETURN
from cj_pipeline.lib.intake.stable_files import waiting_kinds
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.lib.warehouse.build_plan import (
    BUILD_JOB_NAME,
    INTAKE_JOB_NAME,
    REFRESH_JOB_NAMES,
    plan_build,
    read_build_state,
)
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir

RETURNS_JOB = REFRESH_JOB_NAMES[frozenset({RETURN})]
# Relations a new return cannot change: marked with a comment, which a rebuild would drop.
UNTOUCHED = {
    "table intermediate.int_partner_values_versioned": ["intermediate", "int_partner_values_versioned"],
    "table intermediate.int_scotland_reconciliation": ["intermediate", "int_scotland_reconciliation"],
    "view staging.stg_partners__values": ["staging", "stg_partners__values"],
    "table marts.dim_area": ["marts", "dim_area"],
}
REBUILT = {
    "table marts.fct_indicator_values": ["marts", "fct_indicator_values"],
    "table marts.fct_local_outcomes": ["marts", "fct_local_outcomes"],
}
MARK = "before the resubmission"


def _comments(warehouse) -> dict[str, str | None]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select schema_name, table_name, comment from duckdb_tables() where database_name = 'cj' "
            "union all select schema_name, view_name, comment from duckdb_views() where database_name = 'cj'"
        ).fetchall()
    return {f"{schema}.{name}": comment for schema, name, comment in rows}


@pytest.fixture(scope="module")
def refreshed(built_warehouse, tmp_path_factory):
    source, truth, build = built_warehouse
    assert build.success
    data_dir = tmp_path_factory.mktemp("selective") / "data"
    copy_data_dir(source.data_dir, data_dir)
    settings = get_settings(data_dir)
    before_state = read_build_state(settings)

    with duckdb.connect(str(settings.warehouse_path)) as connection:
        for relation in [*UNTOUCHED, *REBUILT]:
            connection.execute(f"comment on {relation} is '{MARK}'")

    area, year = truth.area_codes[0], truth.years[-2]
    original = truth.returns[(area, year)]
    measures = dict(original.measures)
    measures["LM6.1"] = (11, 44, "Corrected: admissions recounted")
    outcomes = list(original.local_outcomes)
    outcomes[0] = (*outcomes[0][:3], 4321, *outcomes[0][4:])
    corrected = write_template(
        settings.uploads_dir / area / "corrected.xlsx",
        area,
        year,
        type(original)(**{**original.__dict__, "measures": measures, "local_outcomes": outcomes}),
    )
    later = truth.return_files[-1].stat().st_mtime + 600
    os.utime(corrected, (later, later))

    plan = plan_build(settings, waiting_kinds(settings))
    result = run_build(settings, log_level="WARNING")
    second = run_build(settings, log_level="WARNING")
    return {
        "settings": settings,
        "plan": plan,
        "result": result,
        "second": second,
        "corrected": (area, year),
        "before_state": before_state,
    }


def _events(result, kind):
    return [event for event in result.all_events if event.event_type_value == kind]


def test_the_shared_full_build_recorded_its_state(refreshed):
    state = refreshed["before_state"]
    assert state is not None and state.fingerprint
    assert set(state.built_through) == {"return", "partner"}


def test_one_return_picks_the_returns_refresh(refreshed):
    plan, result = refreshed["plan"], refreshed["result"]
    assert plan.job_name == RETURNS_JOB and plan.kinds == {RETURN}
    assert result.success and result.dagster_run.job_name == RETURNS_JOB
    assert "return file(s) waiting" in result.dagster_run.tags["cj/plan"]


def test_marts_show_the_corrected_return(refreshed):
    area, year = refreshed["corrected"]
    with duckdb.connect(str(refreshed["settings"].warehouse_path), read_only=True) as connection:
        numbers = connection.execute(
            "select numerator, denominator, value from marts.fct_indicator_values "
            "where area_code = ? and financial_year = ? and indicator_id = 'LM6.1_PCT'",
            [area, year],
        ).fetchall()
        outcome = connection.execute(
            "select value from marts.fct_local_outcomes where area_code = ? and financial_year = ? "
            "order by row_number limit 1",
            [area, year],
        ).fetchall()
    assert numbers == [(11, 44, pytest.approx(25.0))]
    assert outcome == [(4321,)]


def test_only_what_depends_on_returns_was_rebuilt(refreshed):
    comments = _comments(refreshed["settings"].warehouse_path)
    for relation in UNTOUCHED:
        assert comments[relation.split(" ", 1)[1]] == MARK, f"{relation} was rebuilt"
    for relation in REBUILT:
        assert comments[relation.split(" ", 1)[1]] != MARK, f"{relation} was not rebuilt"


def test_materialisations_are_exactly_the_returns_refresh(refreshed):
    result = refreshed["result"]
    materialised = {event.asset_key for event in _events(result, "ASSET_MATERIALIZATION")}
    expected = defs.resolve_job_def(RETURNS_JOB).asset_layer.selected_asset_keys
    assert materialised == set(expected)
    assert dg.AssetKey(["marts", "fct_indicator_values"]) in materialised
    assert dg.AssetKey(["raw", "return_measures"]) in materialised
    for untouched in [*UNTOUCHED.values(), ["raw", "partner_values"], ["reference", "areas"]]:
        assert dg.AssetKey(untouched) not in materialised
    full = defs.resolve_job_def(BUILD_JOB_NAME).asset_layer.selected_asset_keys
    assert len(materialised) < len(full)


def test_dbt_tests_on_rebuilt_models_ran_as_checks(refreshed):
    evaluations = [event.event_specific_data for event in _events(refreshed["result"], "ASSET_CHECK_EVALUATION")]
    by_asset: dict[tuple, list] = {}
    for evaluation in evaluations:
        by_asset.setdefault(tuple(evaluation.asset_key.path), []).append(evaluation)
    fct = by_asset[("marts", "fct_indicator_values")]
    assert any(e.check_name == "row_contract_fct_indicator_values" for e in fct)
    assert any(e.check_name == "row_contract_fct_local_outcomes" for e in by_asset[("marts", "fct_local_outcomes")])
    # No dbt test of an unrebuilt model ran as a check (the project's own quality checks run whole).
    partner_only = {e.check_name for e in by_asset.get(("intermediate", "int_partner_values_versioned"), [])}
    assert partner_only <= {"partner_coverage"}
    assert ("staging", "stg_partners__values") not in by_asset
    dbt_failures = [e.check_name for e in evaluations if not e.passed and e.check_name.startswith("row_contract_")]
    assert not dbt_failures


def test_the_state_moved_on_for_returns_only(refreshed):
    before, after = refreshed["before_state"], read_build_state(refreshed["settings"])
    assert after.fingerprint == before.fingerprint
    assert after.built_through["return"] > before.built_through["return"]
    assert after.built_through["partner"] == before.built_through["partner"]


def test_nothing_new_means_no_dbt(refreshed):
    second = refreshed["second"]
    assert second.success and second.dagster_run.job_name == INTAKE_JOB_NAME
    steps = {event.step_key for event in _events(second, "STEP_START")}
    assert "warehouse_dbt_models" not in steps
    assert not _events(second, "ASSET_MATERIALIZATION")


def test_full_is_still_available(refreshed):
    assert plan_build(refreshed["settings"], set(), full=True).job_name == BUILD_JOB_NAME
