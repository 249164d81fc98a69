"""Publication through the quality gate: evaluate, decide, audit, publish, audit.

One function the `published_release` asset (and so `cj-pipeline publish`) calls; the asset
turns its result into Dagster events. Every attempt leaves one row in raw.publication_audit:
`blocked` when blocking checks fail without an override reason (nothing is written),
`publish_failed` when writing the release fails (the error is raised after it is recorded),
otherwise the decision's own outcome once published/<FY>/ is in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.publish import publish_release  # imports the writers only when called
from cj_pipeline.lib.quality.expectations import start_expectations_helper
from cj_pipeline.lib.quality.gate import AuditRecord, GateResult, decide_publication, evaluate_gate, record_audit
from cj_pipeline.lib.warehouse.schema import ensure_raw_schema
from cj_pipeline.lib.warehouse.writer_lock import wait_for_warehouse
from cj_pipeline.settings import Settings


@dataclass(frozen=True)
class GatedPublication:
    """What became of one attempt: the gate, the audited decision and, unless blocked, the release."""

    gate: GateResult
    record: AuditRecord
    path: Path | None = None  # published/<FY>/; None when blocked

    @property
    def blocked(self) -> bool:
        return self.record.outcome == "blocked"


def publish_through_gate(
    settings: Settings, year: str, override_reason: str, on_wait: Callable[[str], None]
) -> GatedPublication:
    """Publish one financial year only if its gate passes or is overridden with a reason.
    Raises what `publish_release` raises (e.g. `Unpublishable`), after auditing the failure.
    `on_wait` is told while another program holds the warehouse file."""
    start_expectations_helper()  # imports GX while the warehouse is awaited and the other checks run
    wait_for_warehouse(settings.warehouse_path, settings.lock_wait, on_wait=on_wait)
    with connect(settings.warehouse_path) as connection:
        ensure_raw_schema(connection)  # older warehouses gain raw.publication_audit
        gate = evaluate_gate(connection, year)
        record = decide_publication(gate, override_reason)
        if record.outcome == "blocked":
            record_audit(connection, record)
            return GatedPublication(gate, record)
    try:
        path = publish_release(settings, year, record.release_notes())
    except Exception:
        with connect(settings.warehouse_path) as connection:
            record_audit(connection, record, outcome="publish_failed")
        raise
    with connect(settings.warehouse_path) as connection:
        record_audit(connection, record)
    return GatedPublication(gate, record, path)
