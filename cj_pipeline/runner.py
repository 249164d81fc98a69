"""Run the Dagster asset graph in process: the CLI's way into the same graph `dagster dev` shows.

Every CLI run goes to the persistent Dagster instance the UI reads (`instance()`), so it is
in the UI's run history. The console logger is quiet by default: the CLI prints what
happened itself, and every Dagster log line of the run is written to
<data_dir>/logs/<run id>.log (and kept in the instance, shown by the UI).
"""

from __future__ import annotations

import os
import shutil
import socket
import warnings
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)  # before the definitions are built
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

from cj_pipeline.definitions import build_defs  # noqa: E402
from cj_pipeline.defs.jobs import PUBLISH_JOB_NAME  # noqa: E402
from cj_pipeline.lib.core.processes import process_alive  # noqa: E402
from cj_pipeline.lib.intake.rebuild import (  # noqa: E402
    RebuildReport,
    rebuild_raw_from_archive,
    recover_warehouse,
    set_aside,
)
from cj_pipeline.lib.intake.stable_files import waiting_kinds  # noqa: E402
from cj_pipeline.lib.warehouse.build_plan import plan_build  # noqa: E402
from cj_pipeline.lib.warehouse.writer_lock import (  # noqa: E402
    lock_path_for,
    wait_for_warehouse,
    warehouse_writer_lock,
)
from cj_pipeline.settings import DEFAULT_DAGSTER_HOME, PROJECT_ROOT, Settings  # noqa: E402

QUIET = "CRITICAL"  # the console logger's level for CLI runs: nothing but crashes of Dagster itself


def dagster_home() -> Path:
    """$DAGSTER_HOME, else the project's .dagster_home (what `make dev` serves), set in the
    environment; the project's dagster.yaml is copied there if it has none."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def instance() -> dg.DagsterInstance:
    """The persistent instance the UI reads, however the CLI was started (see dagster_home)."""
    dagster_home()
    return dg.DagsterInstance.get()


def _cli_tags() -> dict[str, str]:
    """Which process runs an in-process run (see `release_dead_cli_runs`)."""
    return {"cj/host": socket.gethostname(), "cj/pid": str(os.getpid())}


def release_dead_cli_runs(the_instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the CLI runs of this machine whose process is gone (killed mid-run), and
    free the concurrency pool slots they held: otherwise every later run would wait for
    the cj_warehouse slot forever (no daemon frees an in-process run's slots)."""
    active = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    released = []
    for run in the_instance.get_runs(dg.RunsFilter(statuses=active, tags={"cj/host": socket.gethostname()})):
        pid = int(run.tags.get("cj/pid", "0") or 0)
        if pid and pid != os.getpid() and not process_alive(pid):
            the_instance.report_run_failed(run, message=f"The CLI process (PID {pid}) ended before the run finished.")
            if the_instance.event_log_storage.supports_global_concurrency_limits:
                the_instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    return released


def _run_config(log_level: str) -> dict:
    return {"loggers": {"console": {"config": {"log_level": log_level}}}}


def write_run_log(the_instance: dg.DagsterInstance, settings: Settings, run_id: str) -> Path:
    """Every log line of the run (Dagster's and the assets'), as text: <data_dir>/logs/<run id>.log."""
    path = settings.logs_dir / f"{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as log:
        for entry in the_instance.all_logs(run_id):
            when = datetime.fromtimestamp(entry.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
            event = entry.dagster_event
            level = event.event_type_value if event else "LOG"
            message = event.message if event else entry.user_message
            log.write(f"{when} {level} {entry.step_key or '-'} {message or ''}\n")
    return path


def run_build(settings: Settings, log_level: str = QUIET, full: bool = False) -> dg.ExecuteInProcessResult:
    """Ingest what is waiting and bring the warehouse up to date (dbt models, tests, checks),
    then refresh the analysts' snapshot.

    A warehouse built before by the current dbt project and seeds is refreshed selectively:
    only the models (with their tests and checks) downstream of the raw tables the new files
    write are rebuilt, and nothing new means no dbt at all. Otherwise, or with `full=True`,
    everything is built (`plan_build` says which and why; the run is tagged `cj/plan`).

    One writer at a time: the run holds <data_dir>/warehouse/.writer.lock, so a second CLI
    run waits (or stops after $CJ_WRITER_LOCK_TIMEOUT s with WarehouseBusyError). Another
    program holding the warehouse file (an analyst's DuckDB session) makes it wait up to
    $CJ_LOCK_WAIT s, then stop with WarehouseBusyError, before anything is changed."""
    settings.ensure_dirs()
    definitions = build_defs(str(settings.data_dir))
    the_instance = instance()
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        wait_for_warehouse(settings.warehouse_path, settings.lock_wait)
        release_dead_cli_runs(the_instance)  # under the lock: no other CLI run is live
        # A missing or unreadable warehouse is rebuilt from the archive first (the unreadable
        # file set aside): the plan then sees no record of a dbt build and builds everything.
        recovered = recover_warehouse(settings)
        # under the lock: no other CLI run changes the warehouse
        plan = plan_build(settings, waiting_kinds(settings), full=full)
        tags = {"cj/plan": plan.reason, **_cli_tags()}
        if recovered:
            tags["cj/recovered"] = recovered.sentence(settings.warehouse_path)
            tags["cj/plan"] = f"warehouse restored from the archive; {plan.reason}"
        job = definitions.resolve_job_def(plan.job_name)
        result = job.execute_in_process(
            instance=the_instance, raise_on_error=False, run_config=_run_config(log_level), tags=tags
        )
    write_run_log(the_instance, settings, result.run_id)
    _write_status_pages(settings)
    return result


def _write_status_pages(settings: Settings) -> None:
    """The areas' status pages after a CLI run (the daemon's runs: sensors.status_pages_after_run)."""
    from cj_pipeline.lib.reporting.status_pages import write_status_pages

    try:
        write_status_pages(settings)
    except OSError:  # the next run or check on arrival rewrites them
        pass


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
    settings: Settings, year: str, override_reason: str = "", log_level: str = QUIET
) -> dg.ExecuteInProcessResult:
    """Materialise `published_release` for one financial year through the quality gate
    (job `publish_year`), holding the same writer lock as `run_build`. A blocked gate
    fails the run; `failure_descriptions(result)` gives the blockers."""
    settings.ensure_dirs()
    job = build_defs(str(settings.data_dir)).resolve_job_def(PUBLISH_JOB_NAME)
    the_instance = instance()
    with warehouse_writer_lock(lock_path_for(settings.warehouse_path), timeout=settings.writer_lock_timeout):
        wait_for_warehouse(settings.warehouse_path, settings.lock_wait)
        release_dead_cli_runs(the_instance)
        result = job.execute_in_process(
            instance=the_instance,
            partition_key=year,
            tags=_cli_tags(),
            raise_on_error=False,
            run_config={
                "ops": {"published_release": {"config": {"override_reason": override_reason}}},
                **_run_config(log_level),
            },
        )
    write_run_log(the_instance, settings, result.run_id)
    return result


def failure_descriptions(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    """(step, plain description) of every failed step: the Failure's description when the
    asset raised one, else the error's message (never its traceback)."""
    found = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                found.append((event.step_key, data.user_failure_data.description))
            else:
                error = data.error
                while error is not None and error.cause is not None and "dagster" in (error.cls_name or "").lower():
                    error = error.cause  # the user code error Dagster wrapped
                found.append((event.step_key, (error.message.strip() if error else "unknown error")))
    return found
