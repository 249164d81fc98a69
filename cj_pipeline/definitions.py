"""The one Dagster code location: every domain's defs, the executor and resources set once."""

from __future__ import annotations

import dagster as dg

from cj_pipeline.defs import alerts, schedules
from cj_pipeline.defs.intake import assets as intake_assets
from cj_pipeline.defs.intake import sensors as intake_sensors
from cj_pipeline.defs.jobs import BUILD_JOB, REFRESH_JOBS
from cj_pipeline.defs.publish import assets as publish_assets
from cj_pipeline.defs.quality import checks as quality_checks
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.defs.trust import assets as trust_assets
from cj_pipeline.defs.warehouse import assets as warehouse_assets
from cj_pipeline.defs.years import assets as year_assets

DOMAINS = (
    intake_assets,
    intake_sensors,
    warehouse_assets,
    year_assets,
    trust_assets,
    quality_checks,
    publish_assets,
    schedules,
    alerts,
)


def build_defs(data_dir: str = "") -> dg.Definitions:
    """All definitions; `data_dir` overrides $CJ_DATA_DIR (the CLI's --data-dir)."""
    return dg.Definitions.merge(
        *(domain.defs() for domain in DOMAINS),
        dg.Definitions(
            # The full build, and the selective refreshes the sensors and `run_build` pick.
            jobs=[BUILD_JOB, *REFRESH_JOBS],
            resources={"pipeline_settings": PipelineSettings(data_dir=data_dir)},
            # One process, one step at a time: DuckDB has one writer.
            executor=dg.in_process_executor,
        ),
    )


defs = build_defs()
