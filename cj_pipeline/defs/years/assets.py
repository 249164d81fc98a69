"""Per-year assets: one partition per financial year, backfillable from the UI or the CLI.

The publication job per year (a later issue) belongs in this domain: its assets take
`partitions_def=FINANCIAL_YEARS` and `group_name=BY_YEAR_GROUP`, and its job is defined in
`defs()` below beside `financial_year_job`, so one backfill can run check and publication
for every year.
"""

import dagster as dg

from cj_pipeline.defs.jobs import BY_YEAR_GROUP, FINANCIAL_YEAR_JOB_NAME
from cj_pipeline.defs.keys import FCT_INDICATOR_VALUES
from cj_pipeline.defs.partitions import FINANCIAL_YEARS, read_only_by_year_asset
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.reporting.year_status import financial_year_status as year_status


@read_only_by_year_asset(FCT_INDICATOR_VALUES)
def financial_year_status(context: dg.AssetExecutionContext, pipeline_settings: PipelineSettings):
    """Rows, values and markers of marts.fct_indicator_values for the year(s) of this run."""
    settings = pipeline_settings.resolve()
    years = list(context.partition_keys)
    with connect(settings.warehouse_path, read_only=True) as connection:
        statuses = {year: year_status(connection, year) for year in years}
    for status in statuses.values():
        context.log.info(f"{status['financial_year']}: {status['rows']} rows, markers {status['markers']}")
    if len(years) == 1:
        status = statuses[years[0]]
        return dg.MaterializeResult(
            metadata={
                **{k: v for k, v in status.items() if k != "markers"},
                "markers": dg.MetadataValue.json(status["markers"]),
            }
        )
    # One run over a range records one materialisation per year with the same metadata,
    # so the per-year figures travel keyed by year.
    return dg.MaterializeResult(
        metadata={
            "years": ", ".join(years),
            "rows": sum(s["rows"] for s in statuses.values()),
            "years_without_data": ", ".join(y for y, s in statuses.items() if not s["has_data"]) or "none",
            "by_year": dg.MetadataValue.json(statuses),
        }
    )


financial_year_job = dg.define_asset_job(
    FINANCIAL_YEAR_JOB_NAME,
    selection=dg.AssetSelection.groups(BY_YEAR_GROUP),
    partitions_def=FINANCIAL_YEARS,
)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[financial_year_status], jobs=[financial_year_job])
