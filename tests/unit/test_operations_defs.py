"""Sensors, schedule, failure alert, year partitions and the pool limit, evaluated for real."""

import datetime
import os
import shutil
import time

import dagster as dg
import duckdb
import pytest

from cj_pipeline.definitions import defs
from cj_pipeline.defs.alerts import alert_on_run_failure
from cj_pipeline.defs.intake import sensors as sensors_module
from cj_pipeline.defs.intake.sensors import partners_sensor, uploads_sensor
from cj_pipeline.defs.jobs import (
    raw_keys,
    refresh_keys,
    refresh_selection,
)
from cj_pipeline.defs.partitions import FINANCIAL_YEARS
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.defs.schedules import daily_intake_and_build
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.notify import JsonLinesNotifier
from cj_pipeline.lib.core.seeds import financial_years
from cj_pipeline.lib.intake.stable_files import StableState
from cj_pipeline.lib.warehouse.build_plan import (
    BUILD_JOB_NAME,
    INTAKE_JOB_NAME,
    REFRESH_JOB_NAMES,
    BuildState,
    dbt_project_fingerprint,
    plan_build,
    write_build_state,
)
from cj_pipeline.settings import PROJECT_ROOT, get_settings


def _resources(tmp_path):
    return {"pipeline_settings": PipelineSettings(data_dir=str(tmp_path))}


@pytest.fixture(autouse=True)
def _two_looks_only(monkeypatch):
    """These ticks test the two-look rule without the clock: on a slow machine more than the
    settle time can pass between writing a file and the first tick (the settle rule has its
    own tests in test_stable_files.py)."""
    monkeypatch.setattr(sensors_module, "SETTLE_SECONDS", 3600)


def _tick(sensor, tmp_path, cursor):
    context = dg.build_sensor_context(cursor=cursor, resources=_resources(tmp_path))
    return sensor(context)


def test_definitions_register_operations():
    repo = defs.get_repository_def()
    assert {"uploads_sensor", "partners_sensor", "alert_on_run_failure"} <= {s.name for s in repo.sensor_defs}
    every_build_job = {BUILD_JOB_NAME, *REFRESH_JOB_NAMES.values(), INTAKE_JOB_NAME}
    assert {t.job_name for t in repo.get_sensor_def("uploads_sensor").targets} == every_build_job
    assert {t.job_name for t in repo.get_sensor_def("partners_sensor").targets} == every_build_job
    schedule = repo.get_schedule_def("daily_intake_and_build")
    assert schedule.job_name == BUILD_JOB_NAME and schedule.cron_schedule == "0 6 * * *"
    build = repo.get_job(BUILD_JOB_NAME)
    assert dg.AssetKey("financial_year_status") not in build.asset_layer.executable_asset_keys
    assert dg.AssetKey(["raw", "file_events"]) in build.asset_layer.executable_asset_keys


def test_uploads_sensor_waits_for_a_stable_file_then_requests_one_run(tmp_path):
    area = tmp_path / "raw" / "uploads" / "S12000036"
    area.mkdir(parents=True)
    (area / "return.xlsx").write_bytes(b"part")
    (tmp_path / "raw" / "uploads" / "~$return.xlsx").write_bytes(b"lock")

    first = _tick(uploads_sensor, tmp_path, None)
    assert not first.run_requests and "still new or changing" in first.skip_reason.skip_message
    (area / "return.xlsx").write_bytes(b"part and the rest")  # still being copied
    changed = time.time_ns()  # just now: not settled yet, and different from the first look
    os.utime(area / "return.xlsx", ns=(changed, changed))
    second = _tick(uploads_sensor, tmp_path, first.cursor)
    assert not second.run_requests
    third = _tick(uploads_sensor, tmp_path, second.cursor)
    assert len(third.run_requests) == 1
    request = third.run_requests[0]
    assert request.run_key.startswith("raw/uploads:")
    assert request.job_name == BUILD_JOB_NAME  # no warehouse yet: the first run builds everything
    assert request.tags["cj/files"] == "S12000036/return.xlsx"
    assert set(StableState.from_cursor(third.cursor).taken) == {"S12000036/return.xlsx"}
    fourth = _tick(uploads_sensor, tmp_path, third.cursor)
    assert not fourth.run_requests and fourth.skip_reason.skip_message == "No new files in raw/uploads."


def test_same_bytes_give_the_same_run_key_even_after_a_cursor_reset(tmp_path):
    source = tmp_path / "raw" / "partners" / "jsws"
    source.mkdir(parents=True)
    (source / "table.csv").write_bytes(b"area,value\n")
    (tmp_path / "raw" / "partners" / "loose.csv").write_bytes(b"taken, to be rejected with where to put it")
    keys = []
    for _ in range(2):
        cursor = _tick(partners_sensor, tmp_path, None).cursor
        result = _tick(partners_sensor, tmp_path, cursor)
        assert [r.tags["cj/files"] for r in result.run_requests] == ["jsws/table.csv, loose.csv"]
        keys.append(result.run_requests[0].run_key)
    assert keys[0] == keys[1]
    (source / "table.csv").write_bytes(b"area,value\nS1,2\n")
    cursor = _tick(partners_sensor, tmp_path, None).cursor
    assert _tick(partners_sensor, tmp_path, cursor).run_requests[0].run_key != keys[0]


def _schedule(tmp_path):
    when = datetime.datetime(2025, 6, 2, 6, 0, tzinfo=datetime.UTC)
    context = dg.build_schedule_context(resources=_resources(tmp_path), scheduled_execution_time=when)
    return daily_intake_and_build(context)


def test_schedule_skips_when_nothing_new_and_runs_when_a_file_arrives(tmp_path):
    settings = get_settings(tmp_path)
    settings.ensure_dirs()
    result = _schedule(tmp_path)
    assert isinstance(result, dg.SkipReason) and "Nothing new arrived" in result.skip_message

    dropped = settings.partners_dir / "jsws" / "t.csv"
    dropped.parent.mkdir()
    dropped.write_bytes(b"x")
    result = _schedule(tmp_path)
    assert isinstance(result, dg.RunRequest) and result.tags["cj/file_count"] == "1"

    stat = dropped.stat()
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute("create schema raw")
        connection.execute("create table raw.file_events (relative_path varchar, size_bytes bigint, mtime_ns bigint)")
        connection.execute(
            "insert into raw.file_events values (?, ?, ?)", ["raw/partners/jsws/t.csv", stat.st_size, stat.st_mtime_ns]
        )
    result = _schedule(tmp_path)
    assert isinstance(result, dg.SkipReason) and "all 1 file(s)" in result.skip_message


@dg.op
def _explodes():
    raise ValueError("the warehouse caught fire")


@dg.job
def _failing_job():
    _explodes()


def test_run_failure_sensor_writes_an_alert_line(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    result = _failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_run_failure.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources=_resources(tmp_path),
    ).for_run_failure()
    alert_on_run_failure(context)
    alerts = JsonLinesNotifier.for_data_dir(tmp_path).read_all()
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["job_name"] == "_failing_job" and alert["run_id"] == result.run_id
    assert alert["status"] == "FAILURE" and alert["failed_steps"] == "_explodes"
    assert alert["trigger"] == "manual"
    assert (tmp_path / "alerts" / "alerts.jsonl").exists()


def test_year_partitions_follow_the_seed():
    assert FINANCIAL_YEARS.get_partition_keys() == financial_years()
    assert "2024-25" in FINANCIAL_YEARS.get_partition_keys()
    asset = defs.resolve_assets_def("financial_year_status")
    assert asset.partitions_def == FINANCIAL_YEARS
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("financial_year_status")).parent_keys == {
        dg.AssetKey(["marts", "fct_indicator_values"])
    }


def test_shipped_dagster_yaml_lets_one_step_hold_the_warehouse_pool(tmp_path):
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        assert storage.get_concurrency_info(WAREHOUSE_POOL).limit == 1
        # What the executor does before a step's first claim (InstanceConcurrencyContext.claim).
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1
        first = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-a", "intake")
        second = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "dbt")
        assert first.is_claimed and not second.is_claimed
        storage.free_concurrency_slots_for_run("run-a")
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "dbt").is_claimed


def test_the_shipped_instance_starts_queued_runs_within_a_second(tmp_path):
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, dg.QueuedRunCoordinator) and coordinator.dequeue_interval_seconds == 1


def test_the_production_instance_starts_queued_runs_within_a_second():
    from dagster._core.instance.config import dagster_instance_config  # reads and checks the file's schema

    settings, _ = dagster_instance_config(str(PROJECT_ROOT / "deploy"), "dagster.postgres.yaml")
    coordinator = settings["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator" and coordinator["config"]["dequeue_interval_seconds"] == 1


@pytest.mark.parametrize("key", [["raw", "file_events"], ["marts", "fct_indicator_values"], ["financial_year_status"]])
def test_warehouse_users_are_in_the_pool(key):
    assert defs.resolve_assets_def(dg.AssetKey(key)).node_def.pool == WAREHOUSE_POOL


def _keys(job_name):
    return {key.to_user_string() for key in defs.resolve_job_def(job_name).asset_layer.selected_asset_keys}


def test_returns_refresh_selects_what_depends_on_returns_only():
    keys = _keys(REFRESH_JOB_NAMES[frozenset({RETURN})])
    assert {
        "raw/return_measures",
        "raw/submissions",
        "staging/stg_returns__measures",
        "staging/stg_intake__submissions",
        "intermediate/int_returns_versioned",
        "intermediate/int_measures_current",
        "marts/fct_indicator_values",
        "marts/fct_local_outcomes",
        "marts/fct_evidence_completeness",
        "marts/fct_indicator_trends",
    } <= keys
    # Partner-only branches, seeds and seed-only marts stay as they are.
    assert not keys & {
        "raw/partner_values",
        "staging/stg_partners__values",
        "intermediate/int_partner_values_versioned",
        "intermediate/int_scotland_reconciliation",
        "reference/areas",
        "marts/dim_area",
    }
    assert len(keys) < len(_keys(BUILD_JOB_NAME))


def test_partners_refresh_leaves_return_only_models_alone():
    keys = _keys(REFRESH_JOB_NAMES[frozenset({PARTNER})])
    assert {
        "raw/partner_values",
        "staging/stg_partners__values",
        "intermediate/int_partner_values_versioned",
        "intermediate/int_scotland_reconciliation",
        "marts/fct_indicator_values",
    } <= keys
    assert not keys & {
        "raw/return_measures",
        "staging/stg_returns__measures",
        "marts/fct_local_outcomes",
        "marts/fct_outcome_assessments",
        "intermediate/int_local_measures_current",
    }


def test_intake_only_job_does_not_start_dbt():
    job = defs.resolve_job_def(INTAKE_JOB_NAME)
    assert {node.name for node in job.nodes} == {"received_files", "raw_row_contracts"}
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == {
        key.to_user_string() for key in raw_keys([RETURN, PARTNER])
    }


@pytest.mark.parametrize("kinds", [{RETURN}, {PARTNER}, {RETURN, PARTNER}])
def test_refresh_keys_agree_with_the_job_selection(kinds):
    """The dbt op decides what a run covered from its deps; that must match the jobs."""
    dbt = defs.resolve_assets_def(dg.AssetKey(["marts", "fct_indicator_values"]))
    graph = defs.resolve_asset_graph()
    from_selection = refresh_selection(kinds).resolve(graph) & set(dbt.keys)
    assert refresh_keys(kinds, dbt.asset_deps) & set(dbt.keys) == from_selection


def _built(tmp_path, positions=None, fingerprint=None):
    """A data dir whose warehouse exists and was built (by the current project unless told)."""
    settings = get_settings(tmp_path)
    settings.ensure_dirs()
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute("create schema raw")
        connection.execute("create table raw.submissions (kind varchar, arrival_seq bigint)")
        for kind, seq in (positions or {}).items():
            connection.execute("insert into raw.submissions values (?, ?)", [kind, seq])
    write_build_state(settings, BuildState(fingerprint or dbt_project_fingerprint(), {RETURN: 5, PARTNER: 7}))
    return settings


def _stable_request(sensor, tmp_path, folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"bytes")
    cursor = _tick(sensor, tmp_path, None).cursor
    (request,) = _tick(sensor, tmp_path, cursor).run_requests
    return request


def test_sensors_request_the_refresh_for_their_kind_once_built(tmp_path):
    settings = _built(tmp_path, {RETURN: 5, PARTNER: 7})
    uploads = _stable_request(uploads_sensor, tmp_path, settings.uploads_dir / "S12000036", "r.xlsx")
    assert uploads.job_name == REFRESH_JOB_NAMES[frozenset({RETURN})]
    assert uploads.tags["cj/plan"] == "return file(s) waiting"
    partners = _stable_request(partners_sensor, tmp_path, settings.partners_dir / "jsws", "t.csv")
    assert partners.job_name == REFRESH_JOB_NAMES[frozenset({PARTNER})]


def test_sensor_adds_kinds_ingested_but_not_built(tmp_path):
    settings = _built(tmp_path, {RETURN: 5, PARTNER: 9})  # partner rows after the last build
    request = _stable_request(uploads_sensor, tmp_path, settings.uploads_dir, "r.xlsx")
    assert request.job_name == REFRESH_JOB_NAMES[frozenset({RETURN, PARTNER})]
    assert "partner submission(s) ingested but not built yet" in request.tags["cj/plan"]


def test_changed_dbt_project_or_no_record_means_a_full_build(tmp_path):
    settings = _built(tmp_path, fingerprint="an older project")
    plan = plan_build(settings, {RETURN})
    assert plan.full and "changed" in plan.reason
    settings.warehouse_path.with_name("dbt_build_state.json").unlink()
    assert plan_build(settings, {RETURN}).job_name == BUILD_JOB_NAME
    write_build_state(settings, BuildState(dbt_project_fingerprint(), {RETURN: 5, PARTNER: 7}))
    assert plan_build(settings, set()).job_name == INTAKE_JOB_NAME
    assert plan_build(settings, set(), full=True).job_name == BUILD_JOB_NAME


@pytest.mark.parametrize("run_active", [False, True])
def test_the_sensor_leaves_the_warehouse_alone_while_a_run_is_active(tmp_path, monkeypatch, run_active):
    """DuckDB refuses a writer while another process reads: with a run queued or running, the
    sensor neither reads raw.file_events nor plans from the warehouse (it still checks the
    file and requests the run); with none active it reads both."""
    from cj_pipeline.lib.warehouse import build_plan

    reads = []
    monkeypatch.setattr(sensors_module, "recorded_file_events", lambda path: reads.append("events") or set())
    monkeypatch.setattr(build_plan, "raw_positions", lambda path: reads.append("positions") or {})
    settings = get_settings(tmp_path)
    settings.ensure_dirs()
    settings.warehouse_path.write_bytes(b"")  # exists: the plan would read it
    write_build_state(settings, BuildState(dbt_project_fingerprint(), {}))
    instance = dg.DagsterInstance.ephemeral()
    if run_active:
        run = instance.create_run_for_job(defs.resolve_job_def(INTAKE_JOB_NAME))
        instance.handle_run_event(
            run.run_id, dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=run.job_name)
        )
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    area = settings.uploads_dir / "S12000036"
    area.mkdir(parents=True)
    (area / "return.xlsx").write_bytes(b"not a workbook")
    context = dg.build_sensor_context(cursor=None, resources=_resources(tmp_path), instance=instance)
    first = uploads_sensor(context)
    context = dg.build_sensor_context(cursor=first.cursor, resources=_resources(tmp_path), instance=instance)
    second = uploads_sensor(context)
    assert len(second.run_requests) == 1
    assert reads == ([] if run_active else ["events", "positions"])
    assert ("warehouse busy" in second.run_requests[0].tags["cj/plan"]) == run_active
