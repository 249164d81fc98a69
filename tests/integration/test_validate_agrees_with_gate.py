"""`validate` and the publication gate agree on what holds publication back.

The same files go through both: `validate` (which says "accepted, but publication will
wait for it" with code publication_waits at each cell) and intake + dbt, whose
`marts.fct_evidence_completeness` feeds the gate's `missing_local_evidence` check. Each
kind of gap is sent once (evidence Not known, evidence Status blank, Actions taken
missing, Progress missing where Not achieved), alongside sample returns as they are.
"""

from __future__ import annotations

import os
from dataclasses import replace

import duckdb
import pytest

from cj_pipeline.lib.core.seeds import area_names
from cj_pipeline.lib.quality.checks import missing_local_evidence
from cj_pipeline.lib.returns.rules._publication import CODE, item_of
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.lib.returns.validate import validate_file
from cj_pipeline.runner import run_build

pytestmark = pytest.mark.slow


def _gaps(content, kind: str):
    evidence, assessments = dict(content.evidence), dict(content.assessments)
    if kind == "not_known":
        evidence["LE4.2"] = ("Not known", "Survey not run yet")
    elif kind == "blank_status":
        evidence["LE2.1"] = ("", "")
    elif kind == "actions":
        assessments["NO2"] = (assessments["NO2"][0], "", assessments["NO2"][2])
    elif kind == "progress":
        assessments["NO5"] = ("Not achieved", assessments["NO5"][1], "")
    return replace(content, evidence=evidence, assessments=assessments)


def test_validate_reports_exactly_what_the_gate_waits_for(warehouse_copy):
    settings, truth = warehouse_copy
    year = truth.years[-1]
    received = [area for area in truth.area_codes if (area, year) in truth.returns]
    later = max(path.stat().st_mtime for path in truth.return_files) + 600
    files = {}
    for n, kind in enumerate(("not_known", "blank_status", "actions", "progress")):
        area = received[n]
        path = write_template(
            settings.uploads_dir / area / f"corrected_{kind}.xlsx", area, year, _gaps(truth.returns[(area, year)], kind)
        )
        os.utime(path, (later + n, later + n))
        files[area] = path
    for area in received[4:10]:  # sample returns as sent (some have 'Not known' evidence)
        files[area] = settings.uploads_dir / f"{area_names()[area].replace(' ', '_')}_{year}.xlsx"

    said = {}
    for area, path in files.items():
        receipt = validate_file(path, settings)
        assert receipt["status"] == "accepted", receipt["issues"]
        waiting = [i for i in receipt["issues"] if i["code"] == CODE]
        assert all(i["severity"] == "warning" and i["sheet"] and i["cell"] for i in waiting)
        assert all("accepted, but publication of the year will wait for it" in i["message"] for i in waiting)
        said[area] = sorted(item_of(i["message"]) for i in waiting)
    assert all(said[received[n]] for n in range(4)), said  # each kind of gap was reported

    assert run_build(settings, log_level="WARNING").success
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        gate = missing_local_evidence(connection, year)
    blocked = {d["area_code"]: sorted(d["missing_items"]) for d in gate.details}
    for area in files:
        assert said[area] == blocked.get(area, []), (area_names()[area], said[area], blocked.get(area))
