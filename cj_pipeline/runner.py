"""Run the Dagster asset graph in process: the CLI's way into the same graph `dagster dev` shows."""

from __future__ import annotations

import os

import dagster as dg

from cj_pipeline.definitions import BUILD_JOB_NAME, build_defs
from cj_pipeline.lib.writer_lock import lock_path_for, warehouse_writer_lock
from cj_pipeline.settings import Settings

def instance() -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME when set (runs then show in the UI)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_build(settings: Settings, log_level: str = "INFO") -> dg.ExecuteInProcessResult:
    """Materialise every asset (intake, dbt build and its checks) for one data dir.

    One writer at a time: the run holds <data_dir>/warehouse/.writer.lock, so a second CLI
    run waits (or stops after $CJ_WRITER_LOCK_TIMEOUT s with WarehouseBusyError)."""
    settings.ensure_dirs()
    job = build_defs(str(settings.data_dir)).resolve_job_def(BUILD_JOB_NAME)
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        return job.execute_in_process(
            instance=instance(),
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
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
