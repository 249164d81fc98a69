"""Sensors that start the build when files land in raw/ and have stopped changing.

A file is taken once it has stood untouched for SETTLE_SECONDS, or its size and mtime were
the same on two consecutive ticks (`lib/intake/stable_files.py`); the previous tick's look is
kept in the cursor as JSON. All files
that became stable in one tick go into one run: the intake asset ingests everything
waiting anyway, so one run per file would only queue runs with nothing to do. The run key
is a sha256 over the files' (path, size, mtime, sha256), so the same arrivals never start
two runs even if the cursor is reset.

Each sensor knows which kind of file it saw, so its run refreshes only what depends on the
raw tables that kind writes (job `refresh_after_returns` / `refresh_after_partners`, see
defs/jobs.py), plus any kind ingested earlier but not yet built. When the warehouse has no
record of a complete dbt build of the current project (first run, dbt project or seeds
changed since) the run is the full `build_warehouse` instead (`lib/warehouse/build_plan.plan_build`).
"""

import time

import dagster as dg

from cj_pipeline.defs.jobs import BUILD_JOB, REFRESH_JOBS
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.names import shown_name
from cj_pipeline.lib.intake.stable_files import (
    StableState,
    batch_run_key,
    list_candidate_files,
    sha256_file,
    track_stable_files,
)
from cj_pipeline.lib.warehouse.build_plan import plan_build

# Seconds between looks: the sensor daemon's own loop runs every 5 s at the fastest.
TICK_SECONDS = 5
# A file untouched for this long is taken (stable_files.track_stable_files): a receipt
# seconds after a copy finishes, not two ticks later.
SETTLE_SECONDS = 2
# Files listed in the run's tags (the full list is in the run's intake logs).
TAGGED_FILES = 10


def evaluate_folder(
    context: dg.SensorEvaluationContext, folder, label: str, min_depth: int, settings=None, kind: str | None = None
) -> dg.SensorResult:
    """One tick for one folder: the stable files become one run request; the cursor moves on.
    With `settings` and `kind`, the request names the job that refreshes after that kind."""
    previous = StableState.from_cursor(context.cursor)
    current = list_candidate_files(folder, min_depth=min_depth)
    ready, state = track_stable_files(previous, current, now_ns=time.time_ns(), settle_ns=SETTLE_SECONDS * 10**9)
    hashed = []
    for path in ready:
        try:
            hashed.append((path, current[path], sha256_file(folder / path)))
        except FileNotFoundError:  # removed since we listed it: forget it, look again next tick
            state.taken.pop(path, None)
            state.observed.pop(path, None)
    changing = sorted(p for p in current if p not in state.taken)
    if not hashed:
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
    if settings is not None and kind is not None:
        plan = plan_build(settings, {kind})
        context.log.info(f"{label}: job {plan.job_name} ({plan.reason})")
        job_name, tags["cj/plan"] = plan.job_name, plan.reason
    request = dg.RunRequest(run_key=batch_run_key(label, hashed), job_name=job_name, tags=tags)
    return dg.SensorResult(run_requests=[request], cursor=state.to_cursor())


# Either sensor may start the full build or any refresh (it adds kinds ingested but unbuilt).
SENSOR_JOBS = [BUILD_JOB, *REFRESH_JOBS]


@dg.sensor(jobs=SENSOR_JOBS, minimum_interval_seconds=TICK_SECONDS)
def uploads_sensor(context: dg.SensorEvaluationContext, pipeline_settings: PipelineSettings):
    """Local returns in raw/uploads/, flat or in per-area subfolders."""
    settings = pipeline_settings.resolve()
    return evaluate_folder(context, settings.uploads_dir, "raw/uploads", min_depth=1, settings=settings, kind=RETURN)


@dg.sensor(jobs=SENSOR_JOBS, minimum_interval_seconds=TICK_SECONDS)
def partners_sensor(context: dg.SensorEvaluationContext, pipeline_settings: PipelineSettings):
    """National partner tables in raw/partners/<source>/; files anywhere else under raw/partners/
    are taken too, to be rejected with a receipt saying where to put them."""
    settings = pipeline_settings.resolve()
    return evaluate_folder(context, settings.partners_dir, "raw/partners", min_depth=1, settings=settings, kind=PARTNER)


def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[uploads_sensor, partners_sensor])
