"""Alerts: every failed run is written down where people look (`lib/core/notify.py`)."""

import datetime as dt

import dagster as dg

from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.core.notify import JsonLinesNotifier, Notifier
from cj_pipeline.settings import Settings

# The error text kept per alert; the full stack trace stays in the run's logs.
MAX_MESSAGE_CHARS = 2000


def build_notifier(settings: Settings) -> Notifier:
    """The notifier in use. Add email or Teams here (see lib/core/notify.py), e.g. a
    FanOutNotifier of this one and a TeamsNotifier built from an environment variable."""
    return JsonLinesNotifier.for_data_dir(settings.data_dir)


def failure_alert(context: dg.RunFailureSensorContext) -> dict:
    run = context.dagster_run
    failed_steps = sorted({event.step_key for event in context.get_step_failure_events() if event.step_key})
    message = context.failure_event.message or ""
    return {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kind": "run_failure",
        "status": "FAILURE",
        "job_name": run.job_name,
        "run_id": run.run_id,
        "trigger": run.tags.get("cj/trigger")
        or run.tags.get("dagster/sensor_name")
        or run.tags.get("dagster/schedule_name")
        or "manual",
        "failed_steps": ", ".join(failed_steps),
        "message": message[:MAX_MESSAGE_CHARS],
    }


# Running by default: an alert nobody switched on is no alert.
@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def alert_on_run_failure(context: dg.RunFailureSensorContext, pipeline_settings: PipelineSettings):
    """Record every failed run of this code location in <data_dir>/alerts/alerts.jsonl."""
    alert = failure_alert(context)
    build_notifier(pipeline_settings.resolve()).send(alert)
    context.log.info(f"Alert recorded for failed run {alert['run_id']} of {alert['job_name']}")


def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[alert_on_run_failure])
