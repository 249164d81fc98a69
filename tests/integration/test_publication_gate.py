"""The quality gate on the sample warehouse (2 missing returns, much 'Not known'
evidence): the build succeeds with the guards reported, publication is blocked with the
blockers listed, and an override publishes with an audit row (who, when, why, which)."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from cj_pipeline.cli import app
from cj_pipeline.lib.quality.gate import evaluate_gate
from tests.conftest import RELEASE_OVERRIDE, RELEASE_YEAR

YEAR = "2024-25"


def test_build_succeeds_and_reports_the_guards_as_asset_checks(built_warehouse):
    _, _, result = built_warehouse
    assert result.success
    evaluations = {
        event.asset_check_evaluation_data.check_name: event.asset_check_evaluation_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert evaluations["missing_returns"].passed is False  # sample data: missing returns by design
    assert evaluations["contract_partner_values"].passed is True
    assert "numerator_above_denominator" in evaluations and "year_on_year_jumps" in evaluations


def test_gate_blocks_the_sample_year_and_names_the_missing_areas(built_warehouse):
    settings, truth, _ = built_warehouse
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        gate = evaluate_gate(connection, YEAR, expectations=False)
    assert not gate.passed
    blocked = {o.name for o in gate.blocking_failures}
    assert {"missing_returns", "missing_local_evidence"} <= blocked
    missing = {
        (d["area"], d["financial_year"])
        for o in gate.blocking_failures
        if o.name == "missing_returns"
        for d in o.details
    }
    assert missing and all(year == YEAR for _, year in missing)
    assert {"numerator_above_denominator", "percentage_out_of_range"}.isdisjoint(blocked)
    assert all(not o.blocking for o in gate.warnings)
    lines = "\n".join(gate.blocker_lines())
    assert all(f"{area} has not sent a return for {YEAR}" in lines for area, _ in missing)


def _audit(settings) -> list[dict]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        cursor = connection.execute("select * from raw.publication_audit order by published_at")
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_cli_publish_blocks_then_publishes_with_a_recorded_override(warehouse_copy, published_release):
    """Without a reason the CLI blocks and writes nothing; with one it publishes and audits who,
    when, why and which checks it overrode. The published half is the session's shared release:
    the same year of the same build published by `cj-pipeline publish --override-reason`, in a
    process of its own (tests/conftest.py), so the suite publishes the year once, not twice."""
    settings, _ = warehouse_copy
    blocked = CliRunner().invoke(app, ["publish", "--year", YEAR, "--data-dir", str(settings.data_dir)])
    assert blocked.exit_code == 1, blocked.output
    assert "NOT PUBLISHED" in blocked.output
    assert f"has not sent a return for {YEAR}" in blocked.output
    assert "missing_local_evidence" in blocked.output and "evidence (Not known)" in blocked.output
    assert not (settings.published_dir / YEAR).exists()
    (attempt,) = _audit(settings)
    assert attempt["outcome"] == "blocked" and attempt["override_reason"] is None

    assert RELEASE_YEAR == YEAR
    published, said = published_release.settings, published_release.output
    assert "PUBLISHED" in said and " ".join(RELEASE_OVERRIDE.split()) in " ".join(said.split())
    assert str(published.published_dir / YEAR) in said.replace("\n", "")
    assert (published.published_dir / YEAR).is_dir()
    (audit,) = _audit(published)
    assert audit["outcome"] == "published_with_override"
    assert audit["override_reason"] == RELEASE_OVERRIDE and audit["published_by"] and audit["published_at"]
    assert {"missing_returns", "missing_local_evidence"} <= set(json.loads(audit["overridden_checks"]))
    assert all({"check", "summary"} <= set(w) for w in json.loads(audit["warnings"]))
