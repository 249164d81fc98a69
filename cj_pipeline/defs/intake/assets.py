"""Intake: every file waiting in raw/ is archived, parsed and loaded into raw.*.

The multi-asset can be subset: a run ingests a kind of file (returns, partner files) only
when it selects every raw table that kind writes (jobs.raw_keys), so a run never writes a
table it does not report. A selected table is reported materialised when intake added
rows to it, or when a later step of the same run reads it (Dagster would otherwise skip
that step); the metadata says how many rows were added either way.
"""

import time

import dagster as dg

from cj_pipeline.defs.jobs import raw_keys
from cj_pipeline.defs.keys import raw
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.lib.core import progress
from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.kinds import FILE_KINDS, PARTNER, RETURN
from cj_pipeline.lib.core.names import shown_name
from cj_pipeline.lib.intake.discovery import discover_partner_files, discover_upload_files
from cj_pipeline.lib.intake.receipts import stem_of
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.warehouse.schema import RAW_TABLES
from cj_pipeline.lib.warehouse.writer_lock import wait_for_warehouse

# Raw tables written by publication, not intake: intake must not claim to materialise them.
NOT_WRITTEN_BY_INTAKE = ("publication_audit",)
INTAKE_TABLES = tuple(table for table in RAW_TABLES if table not in NOT_WRITTEN_BY_INTAKE)
INTAKE_KEYS = frozenset(raw(table) for table in INTAKE_TABLES)
DISCOVER = {PARTNER: discover_partner_files, RETURN: discover_upload_files}
# Files' outcomes are logged together, at most this often (and at the end).
LOG_EVERY_SECONDS = 2.0

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


def _row_counts(settings) -> dict[str, int]:
    """Rows per intake table (raw is append-only: the difference is what a run added)."""
    if not settings.warehouse_path.exists():
        return {}
    with connect(settings.warehouse_path, read_only=True) as connection:
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        return {
            table: connection.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
            for table in INTAKE_TABLES
            if table in present
        }


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", table], group_name="intake", description=RAW_TABLE_DESCRIPTIONS.get(table), skippable=True)
        for table in INTAKE_TABLES
    ],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def received_files(context: dg.AssetExecutionContext, pipeline_settings: PipelineSettings):
    """Archive, parse and load every file waiting under raw/ (already-processed files are skipped)."""
    settings = pipeline_settings.resolve()
    selected = context.selected_asset_keys
    kinds = [kind for kind in FILE_KINDS if set(raw_keys([kind])) <= selected]
    if len(kinds) < len(FILE_KINDS):
        context.log.info(f"This run ingests {' and '.join(kinds) or 'no'} files only (its selection).")
    files = [received for kind in kinds for received in DISCOVER[kind](settings)]
    wait_for_warehouse(settings.warehouse_path, settings.lock_wait, on_wait=context.log.warning)
    done, pending, last_flush = 0, [], time.monotonic()

    def flush_log() -> None:
        """One log entry for the files finished since the last: every entry is an event the
        instance stores, and one per file was half of intake's time (bench/results.md)."""
        nonlocal pending, last_flush
        if pending:
            context.log.info(f"Files {done - len(pending) + 1}-{done} of {len(files)}:\n" + "\n".join(pending))
        pending, last_flush = [], time.monotonic()

    def log_progress(received, receipt):
        nonlocal done
        done += 1
        if receipt is None:
            status, receipt_path = "already processed", None
        else:
            status = "duplicate" if receipt["duplicate_of"] else receipt["status"]
            stem = stem_of(receipt)
            receipt_path = settings.receipts_dir / f"{stem}.txt"
        pending.append(
            f"{shown_name(received.relative_path)}: {status}" + (f" (receipt {receipt_path})" if receipt_path else "")
        )
        if time.monotonic() - last_flush >= LOG_EVERY_SECONDS:
            flush_log()
        progress.report("intake", done, len(files), file=received.relative_path, status=status, receipt=receipt_path)

    before = _row_counts(settings)
    try:
        report = ingest_pending(settings, files, progress=log_progress)
    finally:
        flush_log()
    after = _row_counts(settings)
    metadata = report.as_metadata()
    # Assets after intake in this run read the raw tables: they must all be reported.
    read_later = bool(context.job_def.asset_layer.selected_asset_keys - INTAKE_KEYS)
    for key in sorted(selected, key=lambda k: k.to_user_string()):
        table = key.path[-1]
        added = after.get(table, 0) - before.get(table, 0)
        if added or read_later:
            yield dg.MaterializeResult(asset_key=key, metadata={**metadata, "rows_added": added})
        else:
            context.log.info(f"raw.{table}: no rows added, not re-materialised.")


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[received_files])
