"""Trust features in the graph: the chase list per financial year.

`chase_list` shows, per year, which areas still owe a return or parts of one (the same
rows as `cj-pipeline chase`; logic in lib/reporting/chase.py). Partitioned by year, so it sits in
the `by_year` group that the unpartitioned build job leaves out.
"""

import dagster as dg

from cj_pipeline.defs.keys import FCT_EVIDENCE_COMPLETENESS
from cj_pipeline.defs.partitions import read_only_by_year_asset
from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.lib.reporting.chase import chase_list as chase_rows
from cj_pipeline.lib.reporting.chase import markdown_table, status_counts


@read_only_by_year_asset(FCT_EVIDENCE_COMPLETENESS)
def chase_list(context: dg.AssetExecutionContext, pipeline_settings: PipelineSettings):
    """Areas to chase for the year: no return, rejected return, missing evidence or narrative."""
    settings = pipeline_settings.resolve()
    by_year = {
        year: chase_rows(settings.warehouse_path, year, include_complete=True) for year in context.partition_keys
    }
    for year, rows in by_year.items():
        context.log.info(f"{year}: {status_counts(rows)}")
    if len(by_year) == 1:
        (rows,) = by_year.values()
        return dg.MaterializeResult(
            metadata={
                **{status.replace(" ", "_"): count for status, count in status_counts(rows).items()},
                "to_chase": sum(r.status != "complete" for r in rows),
                "chase_list": dg.MetadataValue.md(markdown_table(rows)),
            }
        )
    return dg.MaterializeResult(
        metadata={
            "years": ", ".join(by_year),
            "by_year": dg.MetadataValue.json({year: status_counts(rows) for year, rows in by_year.items()}),
        }
    )


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[chase_list])
