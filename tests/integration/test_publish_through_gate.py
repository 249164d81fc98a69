"""lib/publish/gated.py on the sample warehouse (the gate blocks 2024-25 by design: two returns
missing): every attempt is audited, a blocked one writes nothing, an override publishes, and a
release that cannot be written is audited as failed and raised."""

from __future__ import annotations

import duckdb
import pytest

from cj_pipeline.lib.publish.gated import publish_through_gate
from cj_pipeline.lib.publish.unpublishable import Unpublishable

YEAR = "2024-25"


def _outcomes(settings) -> list[str]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        return [
            row[0]
            for row in connection.execute("select outcome from raw.publication_audit order by published_at").fetchall()
        ]


def test_blocked_then_published_with_an_override(warehouse_copy):
    settings, _ = warehouse_copy
    waits: list[str] = []
    blocked = publish_through_gate(settings, YEAR, "", waits.append)
    assert blocked.blocked and blocked.path is None
    assert {"missing_returns", "missing_local_evidence"} <= {o.name for o in blocked.gate.blocking_failures}
    assert not (settings.published_dir / YEAR).exists()
    assert _outcomes(settings) == ["blocked"]

    published = publish_through_gate(settings, YEAR, "  Agreed late  ", waits.append)
    assert not published.blocked and published.path == settings.published_dir / YEAR
    assert (published.path / "release_notes.md").exists()
    assert published.record.override_reason == "Agreed late"
    assert {"missing_returns", "missing_local_evidence"} <= set(published.record.overridden_checks)
    assert _outcomes(settings) == ["blocked", "published_with_override"]
    assert waits == []  # nothing else held the warehouse


def test_a_release_that_cannot_be_written_is_audited_as_failed(warehouse_copy):
    settings, _ = warehouse_copy
    with duckdb.connect(str(settings.warehouse_path)) as connection:
        connection.execute(
            "update marts.fct_local_outcomes set commentary = repeat('x', 40000) "
            "where financial_year = ? and row_number = 1",
            [YEAR],
        )
    with pytest.raises(Unpublishable):
        publish_through_gate(settings, YEAR, "override to reach the writer", lambda _: None)
    assert _outcomes(settings) == ["publish_failed"]
    assert not (settings.published_dir / YEAR).exists()
