"""The daily intake-and-build: a safety net behind the sensors, idle when nothing is new.

It compares what is waiting in raw/ (path, size, mtime) with the file events intake has
recorded in raw.file_events, and skips with a reason when every file is already known.
"""

import dagster as dg

from cj_pipeline.defs.jobs import BUILD_JOB_NAME
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.intake.stable_files import listing_fingerprint, new_arrivals, waiting_files
from cj_pipeline.lib.warehouse.schema import recorded_file_events
from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError

# 06:00 UK time, before the working day; timezone so the run does not move with BST.
DAILY_CRON = "0 6 * * *"
TIMEZONE = "Europe/London"


@dg.schedule(cron_schedule=DAILY_CRON, execution_timezone=TIMEZONE, job_name=BUILD_JOB_NAME)
def daily_intake_and_build(context: dg.ScheduleEvaluationContext, pipeline_settings: PipelineSettings):
    settings = pipeline_settings.resolve()
    listing = waiting_files(settings.uploads_dir, settings.partners_dir, settings.data_dir)
    try:
        known = recorded_file_events(settings.warehouse_path)
    except WarehouseBusyError:
        return dg.SkipReason("A run is writing the warehouse right now; it takes every waiting file itself.")
    new = new_arrivals(listing, known)
    if not new:
        return dg.SkipReason(f"Nothing new arrived: all {len(listing)} file(s) in raw/ were already processed.")
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(
        # Per day and per set of arrivals: a failed day is retried the next day.
        run_key=f"daily:{day}:{listing_fingerprint(new)}",
        tags={"cj/trigger": "daily_schedule", "cj/file_count": str(len(new))},
    )


def defs() -> dg.Definitions:
    return dg.Definitions(schedules=[daily_intake_and_build])
