"""Sensors that give a receipt on arrival and start the build when files land in raw/ and
have stopped changing.

A file is taken once it has stood untouched for SETTLE_SECONDS (judged by the time since its
last change: a file changed less than that ago is looked at again within the same tick once
it should have settled), or its size and mtime were the same on two consecutive ticks
(`lib/intake/stable_files.py`); the previous tick's look is kept in the cursor as JSON.

Each file taken is checked on arrival here, in the sensor's process (`lib/intake/on_arrival.py`):
archived, judged by intake's own code and given a receipt marked "checked on arrival", without
the warehouse; the run writes the final receipt over it. A failure there is logged as a
warning and never stops the run request: the run writes the receipt anyway.

All files that became stable in one tick go into one run: the intake asset ingests everything
waiting anyway, so one run per file would only queue runs with nothing to do. The run key
is a sha256 over the files' (path, size, mtime, sha256), so the same arrivals never start
two runs even if the cursor is reset.

Each sensor knows which kind of file it saw, so its run refreshes only what depends on the
raw tables that kind writes (job `refresh_after_returns` / `refresh_after_partners`, see
defs/jobs.py), plus any kind ingested earlier but not yet built. When the warehouse has no
record of a complete dbt build of the current project (first run, dbt project or seeds
changed since) the run is the full `build_warehouse` instead (`lib/warehouse/build_plan.plan_build`).

The areas' status pages (outbox/<GSS code>/status.html, lib/reporting/status_pages.py) are
rewritten after each check on arrival of a file in an area's folder (that area's page) and,
by the two run status sensors below, after every run of this code location ends (every area's).
"""

import time

import dagster as dg
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES

from cj_pipeline.defs.jobs import BUILD_JOB, REFRESH_JOBS
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.names import shown_name, stored_name
from cj_pipeline.lib.intake.on_arrival import arrival_sha256, check_on_arrival
from cj_pipeline.lib.intake.outbox import area_of_folder
from cj_pipeline.lib.intake.stable_files import (
    StableState,
    batch_run_key,
    list_candidate_files,
    observe_file,
    take_stable_files,
)
from cj_pipeline.lib.reporting.status_pages import write_status_pages
from cj_pipeline.lib.warehouse.build_plan import plan_build
from cj_pipeline.lib.warehouse.schema import recorded_file_events
from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError

# Seconds between looks: the sensor daemon's own loop, every 5 s at the fastest
# (dagster/_daemon/sensor.py, MIN_INTERVAL_LOOP_TIME).
TICK_SECONDS = 5
# The sensors' minimum interval, set below the loop so that every loop evaluates them: with 5 s
# itself, a loop that starts a few ms less than 5 s after the previous tick started skips the
# sensor, and the ticks came every 10 s (measured through `dagster dev`).
MINIMUM_INTERVAL_SECONDS = 1
# A file untouched for this long is taken (stable_files.take_stable_files): a receipt
# seconds after a copy finishes, not two ticks later.
SETTLE_SECONDS = 2
# The longest a tick waits for a file changed just before it to settle (one wait per tick).
SETTLE_WAIT_SECONDS = 2
# Checks on arrival stop for this tick once they have taken this long (a folder full of files
# after the sensor is switched on): the files left get their receipt from the run only.
ON_ARRIVAL_BUDGET_SECONDS = 10
# Files listed in the run's tags (the full list is in the run's intake logs).
TAGGED_FILES = 10


def _a_run_is_active(context: dg.SensorEvaluationContext) -> bool:
    """A run not finished (queued, starting, running, cancelling) may open the warehouse for
    writing, and DuckDB refuses a writer while another process reads it: the sensor then
    leaves the warehouse alone (a run's intake failed once when a tick read it at that
    moment, bench_drop_receipt)."""
    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:  # a context built without an instance (tests)
        return False
    return bool(instance.get_run_ids(dg.RunsFilter(statuses=NOT_FINISHED_STATUSES), limit=1))


def _check_on_arrival(
    context, settings, folder, label: str, taken: dict, read_warehouse: bool = True
) -> dict[str, str | None]:
    """The check on arrival of each file taken: the receipt seconds after the drop. Returns
    path -> sha256 of the bytes read (None: the file is gone). Files whose event a run already
    recorded are only hashed (the warehouse is read only when no run holds it); a failed check
    is a warning, never an error, and the file is still in the run."""
    try:
        recorded = recorded_file_events(settings.warehouse_path) if read_warehouse else set()
    except WarehouseBusyError:  # a run holds it: check every file taken
        recorded = set()
    except Exception as error:  # an unreadable warehouse is the run's to repair, never the sensor's stop
        context.log.warning(f"{label}: the warehouse could not be read ({type(error).__name__}); checking every file.")
        recorded = set()
    prefix = folder.relative_to(settings.data_dir).as_posix()
    started, hashes = time.monotonic(), {}
    for path, (size, mtime) in taken.items():
        try:
            if (stored_name(f"{prefix}/{path}"), size, mtime) in recorded or (
                time.monotonic() - started > ON_ARRIVAL_BUDGET_SECONDS
            ):
                hashes[path] = arrival_sha256(settings, folder / path)
                continue
            checked = check_on_arrival(settings, folder / path)
        except Exception as error:  # the run still comes and writes the receipt
            context.log.warning(
                f"{label}: {shown_name(path)} could not be checked on arrival ({type(error).__name__}: "
                f"{shown_name(str(error))[:200]}); the run will write its receipt."
            )
            hashes[path] = "unread"
            continue
        hashes[path] = checked and checked.sha256
        if checked is not None and checked.receipt is not None:
            context.log.info(f"{label}: {shown_name(path)} checked on arrival: {checked.status}")
    if time.monotonic() - started > ON_ARRIVAL_BUDGET_SECONDS:
        context.log.info(f"{label}: checks on arrival stopped after {ON_ARRIVAL_BUDGET_SECONDS} s this tick.")
    return hashes


def evaluate_folder(
    context: dg.SensorEvaluationContext, folder, label: str, min_depth: int, settings, kind: str | None = None
) -> dg.SensorResult:
    """One tick for one folder: the stable files are checked on arrival and become one run
    request; the cursor moves on. With `kind`, the request names the job that refreshes after
    that kind."""
    previous = StableState.from_cursor(context.cursor)
    current = list_candidate_files(folder, min_depth=min_depth)
    ready, state = take_stable_files(
        previous,
        current,
        settle_ns=SETTLE_SECONDS * 10**9,
        observe=lambda path: observe_file(folder / path),
        max_wait_ns=SETTLE_WAIT_SECONDS * 10**9,
    )
    read_warehouse = bool(ready) and not _a_run_is_active(context)
    hashes = _check_on_arrival(
        context, settings, folder, label, {path: state.taken[path] for path in ready}, read_warehouse
    )
    if ready and read_warehouse:
        _rewrite_status_pages(context, settings, {area_of_folder(folder_of(settings, folder / p)) for p in ready})
    hashed = []
    for path in ready:
        if hashes[path] is None:  # removed since we looked: forget it, look again next tick
            state.taken.pop(path, None)
            state.observed.pop(path, None)
        else:
            hashed.append((path, state.taken[path], hashes[path]))
    if not hashed:
        changing = sorted(p for p in state.observed if p not in state.taken)
        if changing:
            reason = (
                f"{len(changing)} file(s) in {label} still new or changing (size or time differs "
                f"from the last look), taken once untouched for {SETTLE_SECONDS} s: {', '.join(shown_name(p) for p in changing[:5])}"
            )
        else:
            reason = f"No new files in {label}."
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=state.to_cursor())
    names = [shown_name(path) for path, _, _ in hashed]  # a name cannot forge a log line or tag
    context.log.info(f"{label}: taking {len(names)} stable file(s): {', '.join(names)}")
    tags = {"cj/trigger": label, "cj/file_count": str(len(names)), "cj/files": ", ".join(names[:TAGGED_FILES])}
    job_name = None
    if kind is not None:
        plan = plan_build(settings, {kind}, read_warehouse=read_warehouse)
        context.log.info(f"{label}: job {plan.job_name} ({plan.reason})")
        job_name, tags["cj/plan"] = plan.job_name, plan.reason
    request = dg.RunRequest(run_key=batch_run_key(label, hashed), job_name=job_name, tags=tags)
    return dg.SensorResult(run_requests=[request], cursor=state.to_cursor())


def folder_of(settings, path) -> str:
    return path.parent.relative_to(settings.data_dir).as_posix()


def _rewrite_status_pages(context, settings, areas: set[str | None] | None) -> None:
    """The status pages of these areas (None: every area); a failure is a warning only."""
    chosen = None if areas is None else sorted(area for area in areas if area)
    if chosen == []:
        return
    try:
        write_status_pages(settings, chosen)
    except Exception as error:  # the pages are rewritten after the next check or run
        context.log.warning(f"The areas' status pages could not be written ({type(error).__name__}).")


# Either sensor may start the full build or any refresh (it adds kinds ingested but unbuilt).
SENSOR_JOBS = [BUILD_JOB, *REFRESH_JOBS]


@dg.sensor(jobs=SENSOR_JOBS, minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS)
def uploads_sensor(context: dg.SensorEvaluationContext, pipeline_settings: PipelineSettings):
    """Local returns in raw/uploads/, flat or in per-area subfolders."""
    settings = pipeline_settings.resolve()
    return evaluate_folder(context, settings.uploads_dir, "raw/uploads", min_depth=1, settings=settings, kind=RETURN)


@dg.sensor(jobs=SENSOR_JOBS, minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS)
def partners_sensor(context: dg.SensorEvaluationContext, pipeline_settings: PipelineSettings):
    """National partner tables in raw/partners/<source>/; files anywhere else under raw/partners/
    are taken too, to be rejected with a receipt saying where to put them."""
    settings = pipeline_settings.resolve()
    return evaluate_folder(context, settings.partners_dir, "raw/partners", min_depth=1, settings=settings, kind=PARTNER)


# On by default, like the failure alert: pages nobody switched on would never change. Looked
# at every few seconds (Dagster's default is 30): an area waits for its page after a run.
STATUS_PAGES_INTERVAL_SECONDS = 5


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=STATUS_PAGES_INTERVAL_SECONDS,
)
def status_pages_after_run(context: dg.RunStatusSensorContext, pipeline_settings: PipelineSettings):
    """Every area's status pages, once a run has succeeded."""
    _rewrite_status_pages(context, pipeline_settings.resolve(), None)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=STATUS_PAGES_INTERVAL_SECONDS
)
def status_pages_after_failed_run(context: dg.RunFailureSensorContext, pipeline_settings: PipelineSettings):
    """Every area's status pages, once a run has failed (its intake may have loaded files)."""
    _rewrite_status_pages(context, pipeline_settings.resolve(), None)


def defs() -> dg.Definitions:
    return dg.Definitions(
        sensors=[uploads_sensor, partners_sensor, status_pages_after_run, status_pages_after_failed_run]
    )
