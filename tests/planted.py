"""Hostile text planted where areas' text goes, in a copy of the shared build, published once
for the tests of the release's files and of its compare page (not a test module)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cj_pipeline.lib.publish import publish_release
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir

YEAR = "2024-25"
EVIL = '=HYPERLINK("http://evil.example","click")'
SCRIPT = "<script>alert(1)</script>"
HOSTILE_NAME = 'Clackmannanshire</script><script>window.pwned=1</script>\u2028<b>&amp;"'
HOSTILE_CODE = "S12000005"
NOTES = {
    "release_id": "test-1",
    "published_at": "2025-06-01T09:00:00",
    "published_by": "tester",
    "override_reason": "Late return from one area",
    "overridden_checks": ["completeness"],
    "warnings": [{"check": "reconciliation", "summary": "Scotland differs from the sum"}],
}


def plant_and_publish(source: Path, data_dir: Path) -> Path:
    """Copy the built data folder, plant the hostile texts (an area's name made markup, a script
    end tag and U+2028; an assessment that reads as a formula; commentary that is a script; an
    outcome that is a DDE formula) and publish YEAR. Returns the release folder."""
    settings = get_settings(copy_data_dir(source, data_dir))
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for table in ("fct_indicator_values", "fct_benchmark", "fct_indicator_trends"):
            con.execute(f"update marts.{table} set area_name = ? where area_code = ?", [HOSTILE_NAME, HOSTILE_CODE])
        con.execute(
            "update marts.fct_outcome_assessments set actions_taken = ? where area_code = ? and financial_year = ?",
            [EVIL, HOSTILE_CODE, YEAR],
        )
        con.execute(
            "update marts.fct_local_outcomes set commentary = ? where area_code = ? and financial_year = ?",
            [SCRIPT, HOSTILE_CODE, YEAR],
        )
        con.execute(
            "update marts.fct_local_outcomes set local_outcome = ? where area_code = 'S12000006' and financial_year = ?",
            ["@cmd|' /C calc'!A0", YEAR],
        )
    return publish_release(settings, YEAR, NOTES)
