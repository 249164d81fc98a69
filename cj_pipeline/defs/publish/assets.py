"""Publication: one financial year at a time, only through the quality gate.

`published_release` publishes its partition through the quality gate
(cj_pipeline.lib.publish.gated: evaluate, decide, audit, publish) and turns the result into
Dagster events: blocking failures without an override reason raise `dagster.Failure` listing
the blockers in plain English; a release is a materialisation with the gate as its check.
Run by the job `publish_year` (never scheduled) or `cj-pipeline publish --year FY`.
"""

import dagster as dg

from cj_pipeline.defs.jobs import PUBLISH_GROUP, PUBLISH_JOB_NAME
from cj_pipeline.defs.keys import ANALYTICS_SNAPSHOT, PUBLISHED_RELEASE, mart
from cj_pipeline.defs.partitions import FINANCIAL_YEARS
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.lib.core.names import shown_name
from cj_pipeline.lib.publish.gated import publish_through_gate
from cj_pipeline.lib.publish.unpublishable import Unpublishable

GATE_CHECK = "publication_gate"
MARTS = [
    mart(name)
    for name in (
        "fct_indicator_values",
        "fct_indicator_trends",
        "fct_benchmark",
        "fct_evidence_completeness",
        "dim_area",
        "dim_indicator",
    )
]


class PublishConfig(dg.Config):
    override_reason: str = ""
    """Publish although blocking checks fail; the reason is recorded in raw.publication_audit."""


def _gate_metadata(gate, record) -> dict:
    return {
        "release_id": record.release_id,
        "outcome": record.outcome,
        "published_by": record.published_by,
        "override_reason": record.override_reason or "",
        "blockers": dg.MetadataValue.json(
            [{"check": o.name, "summary": o.summary, "details": o.details[:50]} for o in gate.blocking_failures]
        ),
        "warnings": dg.MetadataValue.json(record.warnings),
    }


@dg.asset(
    key=PUBLISHED_RELEASE,
    deps=MARTS,
    partitions_def=FINANCIAL_YEARS,
    group_name=PUBLISH_GROUP,
    pool=WAREHOUSE_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            GATE_CHECK,
            asset=PUBLISHED_RELEASE,
            blocking=True,
            description="Every blocking quality check passes for the year (or is overridden with a reason).",
        )
    ],
)
def published_release(context: dg.AssetExecutionContext, config: PublishConfig, pipeline_settings: PipelineSettings):
    """The release of one financial year in `published/<FY>/`, made only through the quality gate."""
    year = context.partition_key
    try:
        result = publish_through_gate(
            pipeline_settings.resolve(), year, config.override_reason, on_wait=context.log.warning
        )
    except Unpublishable as error:  # said in words: which area, file, sheet, cell; what to do
        raise dg.Failure(description=str(error)) from None
    gate, record = result.gate, result.record
    for line in gate.warning_lines():
        context.log.warning(line)
    metadata = _gate_metadata(gate, record)
    if result.path is None:
        yield dg.AssetCheckResult(
            check_name=GATE_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=f"{len(gate.blocking_failures)} blocking check(s) failed for {year}.",
        )
        raise dg.Failure(
            description=f"Publication of {year} is blocked:\n" + "\n".join(gate.blocker_lines()),
            metadata={"blockers": metadata["blockers"], "release_id": record.release_id},
        )
    if record.overridden_checks:
        context.log.warning(
            f"Published {year} with blocking checks overridden ({', '.join(record.overridden_checks)}) "
            f"by {shown_name(record.published_by)}: {shown_name(record.override_reason or '')}"
        )
    yield dg.MaterializeResult(
        metadata={
            **metadata,
            "path": dg.MetadataValue.path(str(result.path)),
            "overridden_checks": dg.MetadataValue.json(record.overridden_checks),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=GATE_CHECK,
                passed=gate.passed,
                # An overridden gate is shown as failed, but only as a warning: it was released.
                severity=dg.AssetCheckSeverity.WARN,
                description="passed" if gate.passed else f"overridden: {shown_name(record.override_reason or '')}",
                metadata={"overridden_checks": dg.MetadataValue.json(record.overridden_checks)},
            )
        ],
    )


@dg.asset(
    key=ANALYTICS_SNAPSHOT,
    deps=[*MARTS, mart("fct_outcome_assessments"), mart("fct_local_outcomes")],
    group_name="analysts",
    pool=WAREHOUSE_POOL,
)
def analytics_snapshot(context: dg.AssetExecutionContext, pipeline_settings: PipelineSettings):
    """The analysts' read-only copy (`published/snapshot/cj_analytics.duckdb`): the marts after
    every build, plus the published tables of the latest release. Analysts never open the
    warehouse itself."""
    from cj_pipeline.lib.publish.analytics import refresh_snapshot

    path = refresh_snapshot(pipeline_settings.resolve())
    context.log.info(f"Analysts' snapshot refreshed: {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})


publish_year_job = dg.define_asset_job(
    PUBLISH_JOB_NAME,
    selection=dg.AssetSelection.assets(PUBLISHED_RELEASE),
    partitions_def=FINANCIAL_YEARS,
    description="Publish one financial year through the quality gate. Never scheduled.",
)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[published_release, analytics_snapshot], jobs=[publish_year_job])


__all__ = ["analytics_snapshot", "defs", "published_release", "publish_year_job"]
