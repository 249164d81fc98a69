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
