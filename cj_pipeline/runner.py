"""Run the Dagster asset graph in process: the CLI's way into the same graph `dagster dev` shows."""

from __future__ import annotations

import os

import dagster as dg

from cj_pipeline.definitions import build_defs
from cj_pipeline.defs.jobs import PUBLISH_JOB_NAME
from cj_pipeline.lib.intake.rebuild import RebuildReport, rebuild_raw_from_archive, recover_warehouse, set_aside
from cj_pipeline.lib.warehouse.build_plan import plan_build
from cj_pipeline.lib.warehouse.writer_lock import lock_path_for, warehouse_writer_lock
from cj_pipeline.settings import Settings


def instance() -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME when set (runs then show in the UI)."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


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
        # A missing or unreadable warehouse is rebuilt from the archive first (the unreadable
        # file set aside): the plan then sees no record of a dbt build and builds everything.
        recovered = recover_warehouse(settings)
        plan = plan_build(settings, full=full)  # under the lock: no other CLI run changes the warehouse
        reason = plan.reason
        if recovered:
            aside = f"; the unreadable file was set aside as {recovered.set_aside.name}" if recovered.set_aside else ""
            reason = f"warehouse restored from the archive ({recovered.submissions} submissions){aside}; {reason}"
        job = definitions.resolve_job_def(plan.job_name)
        return job.execute_in_process(
            instance=instance(),
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            tags={"cj/plan": reason},
        )


def run_rebuild(settings: Settings, log_level: str = "INFO") -> tuple[RebuildReport, dg.ExecuteInProcessResult]:
    """`cj-pipeline rebuild`: set the warehouse aside (never deleted), rebuild its raw layer
    from the archive and ledger alone, then build every dbt model from it."""
    settings.ensure_dirs()
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        aside = set_aside(settings.warehouse_path) if settings.warehouse_path.exists() else None
        report = rebuild_raw_from_archive(settings)
        report.set_aside = aside
    return report, run_build(settings, log_level=log_level, full=True)


def run_publish(
    settings: Settings, year: str, override_reason: str = "", log_level: str = "WARNING"
) -> dg.ExecuteInProcessResult:
    """Materialise `published_release` for one financial year through the quality gate
    (job `publish_year`), holding the same writer lock as `run_build`. A blocked gate
    fails the run; `publish_failure_description(result)` gives the blockers."""
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
