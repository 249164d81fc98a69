"""Intake: every file waiting in raw/ is archived, parsed and loaded into raw.*."""


import dagster as dg

from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.lib.intake import discover_partner_files, discover_upload_files, ingest_pending
from cj_pipeline.lib.warehouse import RAW_TABLES

# Raw tables written by publication, not intake: intake must not claim to materialise them.
NOT_WRITTEN_BY_INTAKE = ("publication_audit",)
INTAKE_TABLES = tuple(table for table in RAW_TABLES if table not in NOT_WRITTEN_BY_INTAKE)

RAW_TABLE_DESCRIPTIONS = {
    "file_events": "Every arrival of a file, duplicates included, with its receipt.",
    "submissions": "One row per distinct file content received, accepted or rejected.",
    "issues": "Every problem intake found, by submission, sheet and cell.",
    "partner_values": "Tidy values from accepted national partner files.",
    "return_cover": "Cover of every accepted local area return (who, when, template version).",
    "return_evidence": "Local evidence Status and Commentary, per accepted return and Evidence ID.",
    "return_measures": "Local measure numerators and denominators, per accepted return, with cells.",
    "return_assessments": "Outcome assessments (NO1-NO9), actions taken and progress, per accepted return.",
    "return_local_outcomes": "Local outcomes, balancing measures and priority actions, per accepted return.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", table], group_name="intake", description=RAW_TABLE_DESCRIPTIONS.get(table))
        for table in INTAKE_TABLES
    ],
    pool=WAREHOUSE_POOL,
)
def received_files(context: dg.AssetExecutionContext, pipeline_settings: PipelineSettings):
    """Archive, parse and load every file waiting under raw/ (already-processed files are skipped)."""
    settings = pipeline_settings.resolve()
    files = discover_partner_files(settings) + discover_upload_files(settings)

    def log_progress(received, receipt):
        outcome = "skipped (already processed)" if receipt is None else receipt["status"]
        context.log.info(f"{received.relative_path}: {outcome}")

    report = ingest_pending(settings, files, progress=log_progress)
    metadata = report.as_metadata()
    for table in INTAKE_TABLES:
        yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[received_files])
