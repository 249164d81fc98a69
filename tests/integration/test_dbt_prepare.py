"""The parse `make setup` runs (`python -m cj_pipeline.defs.warehouse.project`): dbt in this
process writes the manifest dagster-dbt reads, and a project dbt cannot parse stops it with
dbt's own words, on a small project of its own (the real one's target folder is shared)."""

from __future__ import annotations

import json

import pytest
from dagster_dbt import DbtProject

from cj_pipeline.defs.warehouse.project import DbtParseFailed, VenvDbtPreparer
from tests.integration.small_dbt import small_dbt_project

pytestmark = pytest.mark.slow


def _project(tmp_path, model_sql: str) -> DbtProject:
    folder = small_dbt_project(tmp_path)
    (folder / "models" / "outcomes.sql").write_text(model_sql)
    return DbtProject(project_dir=folder, profiles_dir=folder)


def test_the_preparer_writes_the_manifest_dagster_dbt_reads(tmp_path):
    project = _project(tmp_path, "select 1 as value\n")
    VenvDbtPreparer().prepare(project)
    manifest = json.loads(project.manifest_path.read_text())
    assert "model.small.outcomes" in manifest["nodes"]
    assert (project.project_dir / project.target_path / "partial_parse.msgpack").exists()
    assert not (tmp_path / "w.duckdb").exists()  # parsing never opens the warehouse


def test_a_project_dbt_cannot_parse_stops_setup_with_dbts_words(tmp_path):
    project = _project(tmp_path, "select * from {{ ref('no_such_model') }}\n")
    with pytest.raises(DbtParseFailed) as failed:
        VenvDbtPreparer().prepare(project)
    assert "no_such_model" in str(failed.value) and str(project.project_dir) in str(failed.value)
    assert not project.manifest_path.exists()
