"""Run the Dagster asset graph in process: the CLI's way into the same graph `dagster dev` shows."""

from __future__ import annotations

import os

import dagster as dg

from cj_pipeline.definitions import BUILD_JOB_NAME, build_defs
from cj_pipeline.settings import Settings


def instance() -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME when set (runs then show in the UI)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_build(settings: Settings, log_level: str = "INFO") -> dg.ExecuteInProcessResult:
    """Materialise every asset (intake, dbt build and its checks) for one data dir."""
    settings.ensure_dirs()
    job = build_defs(str(settings.data_dir)).resolve_job_def(BUILD_JOB_NAME)
    return job.execute_in_process(
        instance=instance(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
