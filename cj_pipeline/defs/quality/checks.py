"""Quality checks as Dagster asset checks: thin wrappers around cj_pipeline.lib.quality.

They run in every `build_warehouse` run (after dbt) so the UI shows, on the marts and raw
assets, which publication guards currently fail. They are deliberately NOT `blocking`:
in Dagster 1.13 a failing blocking check fails the whole run, and the daily build must
succeed while returns are still missing. Publication is stopped instead by the gate
inside `published_release` (defs/publish), which re-runs the same functions for the
year being published and carries the `blocking=True` check `publication_gate`.
Failing guards report severity ERROR; warnings (reconciliation, jumps) WARN.
The Great Expectations suites run only in the gate (importing GX takes seconds).
"""

from __future__ import annotations

import dagster as dg

from cj_pipeline.defs.keys import FCT_EVIDENCE_COMPLETENESS, FCT_INDICATOR_VALUES, raw
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.quality.checks import WAREHOUSE_CHECKS
from cj_pipeline.lib.quality.contracts import CONTRACT_TABLES, raw_contracts
from cj_pipeline.lib.quality.outcome import CheckOutcome

# Which asset each warehouse check is shown on.
CHECK_ASSETS: dict[str, dg.AssetKey] = {
    "missing_returns": FCT_EVIDENCE_COMPLETENESS,
    "missing_local_evidence": FCT_EVIDENCE_COMPLETENESS,
    "partner_coverage": dg.AssetKey(["intermediate", "int_partner_values_versioned"]),
    "scotland_reconciliation": dg.AssetKey(["intermediate", "int_scotland_reconciliation"]),
    "numerator_above_denominator": FCT_INDICATOR_VALUES,
    "percentage_out_of_range": FCT_INDICATOR_VALUES,
    "year_on_year_jumps": FCT_INDICATOR_VALUES,
}
MAX_DETAILS_SHOWN = 100


def check_result(check: CheckOutcome, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    """A lib CheckOutcome as a Dagster AssetCheckResult (details capped for the UI)."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check.name,
        passed=check.passed,
        severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
        description=check.summary,
        metadata={
            "summary": check.summary,
            "guards_publication": check.blocking,
            "problems": len(check.details),
            "details": dg.MetadataValue.json(check.details[:MAX_DETAILS_SHOWN]),
        },
    )


def _spec(name: str, asset: dg.AssetKey, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description, blocking=False)


@dg.multi_asset_check(
    specs=[
        _spec(check.__name__, CHECK_ASSETS[check.__name__], (check.__doc__ or "").strip()) for check in WAREHOUSE_CHECKS
    ],
    pool=WAREHOUSE_POOL,
)
def warehouse_quality_checks(pipeline_settings: PipelineSettings):
    """The publication guards and warnings over every year in the warehouse."""
    with connect(pipeline_settings.resolve().warehouse_path, read_only=True) as connection:
        outcomes = [check(connection) for check in WAREHOUSE_CHECKS]
    for check in outcomes:
        yield check_result(check, CHECK_ASSETS[check.name])


@dg.multi_asset_check(
    specs=[
        _spec(f"contract_{table}", raw(table), f"pandera contract on the parsed rows of raw.{table}")
        for table in CONTRACT_TABLES
    ],
    pool=WAREHOUSE_POOL,
)
def raw_row_contracts(pipeline_settings: PipelineSettings):
    """pandera contracts on the rows intake wrote (types, markers, counts, area codes)."""
    with connect(pipeline_settings.resolve().warehouse_path, read_only=True) as connection:
        outcomes = raw_contracts(connection)
    for check in outcomes:
        yield check_result(check, raw(check.name.removeprefix("contract_")))


def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[warehouse_quality_checks, raw_row_contracts])
