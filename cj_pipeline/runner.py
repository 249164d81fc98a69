"""Run the Dagster asset graph in process: the CLI's way into the same graph `dagster dev` shows."""

from __future__ import annotations

import os

import dagster as dg

from cj_pipeline.definitions import build_defs
from cj_pipeline.defs.warehouse.assets import RefreshPlan, plan_refresh
from cj_pipeline.lib.intake.batch import PARTNER, RETURN
from cj_pipeline.lib.intake.stable_files import WarehouseUnavailable, new_arrivals, recorded_file_events, waiting_files
from cj_pipeline.lib.warehouse.writer_lock import lock_path_for, warehouse_writer_lock
from cj_pipeline.settings import Settings

def instance() -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME when set (runs then show in the UI)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def waiting_kinds(settings: Settings) -> set[str]:
    """Kinds of file (return, partner) waiting in raw/ that intake has not processed yet
    (every waiting file counts while a run holds the warehouse)."""
    listing = waiting_files(settings.uploads_dir, settings.partners_dir, settings.data_dir)
    try:
        listing = new_arrivals(listing, recorded_file_events(settings.warehouse_path))
    except WarehouseUnavailable:
        pass
    uploads = settings.uploads_dir.relative_to(settings.data_dir).as_posix() + "/"
    return {RETURN if path.startswith(uploads) else PARTNER for path in listing}


def plan_build(settings: Settings, full: bool = False) -> RefreshPlan:
    """Which job `run_build` runs now: the full `build_warehouse` for a cold or untrusted
    warehouse (or `full=True`), else the refresh for what is new, else intake alone."""
    return plan_refresh(settings, waiting_kinds(settings), full=full)


def run_build(settings: Settings, log_level: str = "INFO", full: bool = False) -> dg.ExecuteInProcessResult:
    """Ingest what is waiting and bring the warehouse up to date (dbt models, tests, checks).

    A warehouse built before by the current dbt project and seeds is refreshed selectively:
    only the models (with their tests and checks) downstream of the raw tables the new files
    write are rebuilt, and nothing new means no dbt at all. Otherwise, or with `full=True`,
    everything is built (`plan_build` says which and why; the run is tagged `cj/plan`).

    One writer at a time: the run holds <data_dir>/warehouse/.writer.lock, so a second CLI
    run waits (or stops after $CJ_WRITER_LOCK_TIMEOUT s with WarehouseBusyError)."""
    settings.ensure_dirs()
    definitions = build_defs(str(settings.data_dir))
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        plan = plan_build(settings, full=full)  # under the lock: no other CLI run changes the warehouse
        job = definitions.resolve_job_def(plan.job_name)
        return job.execute_in_process(
            instance=instance(),
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            tags={"cj/plan": plan.reason},
        )


def run_publish(
    settings: Settings, year: str, override_reason: str = "", log_level: str = "WARNING"
) -> dg.ExecuteInProcessResult:
    """Materialise `published_release` for one financial year through the quality gate
    (job `publish_year`), holding the same writer lock as `run_build`. A blocked gate
    fails the run; `publish_failure_description(result)` gives the blockers."""
    from cj_pipeline.defs.jobs import PUBLISH_JOB_NAME

    settings.ensure_dirs()
    job = build_defs(str(settings.data_dir)).resolve_job_def(PUBLISH_JOB_NAME)
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        return job.execute_in_process(
            instance=instance(),
            partition_key=year,
            raise_on_error=False,
            run_config={
                "ops": {"published_release": {"config": {"override_reason": override_reason}}},
                "loggers": {"console": {"config": {"log_level": log_level}}},
            },
        )


def publish_failure_description(result: dg.ExecuteInProcessResult) -> str | None:
    """The description of the step failure (the plain list of blockers), if the run failed."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            return data.error.message if data.error else None
    return None
