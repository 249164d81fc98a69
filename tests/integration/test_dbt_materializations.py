"""The project's own `table` and `view` materializations (dbt_project/macros/materializations.sql),
run by dbt in this process on a small project that holds only them: a relation is replaced in
place in one transaction, also when a model switches between view and table, nothing
temporary is left behind, and a config they do not support stops the model with a message
naming it."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from cj_pipeline.lib.warehouse.dbt_in_process import invoke_dbt
from cj_pipeline.settings import DBT_PROJECT_DIR
from tests.integration.small_dbt import small_dbt_project

pytestmark = pytest.mark.slow

HOOKED = "{{ config(materialized='table', post_hook='select 1') }}\nselect 1 as value\n"


def _write_models(project, value: int) -> None:
    for name, kind in [("t", "table"), ("v", "view")]:
        (project / "models" / f"{name}.sql").write_text(
            f"{{{{ config(materialized='{kind}') }}}}\nselect {value} as value\n"
        )


@pytest.fixture
def small_project(tmp_path):
    project = small_dbt_project(tmp_path)
    (project / "macros").mkdir()
    shutil.copy(DBT_PROJECT_DIR / "macros" / "materializations.sql", project / "macros")
    _write_models(project, 1)
    return project


def _run(project, *args: str):
    target = str(project / "target")
    return invoke_dbt(
        [
            "run",
            *["--project-dir", str(project), "--profiles-dir", str(project)],
            *["--target-path", target, "--log-path", target, "--log-level", "none"],
            *args,
        ]
    )


def _warehouse(project, read_only: bool = True):
    return duckdb.connect(str(project.parent / "w.duckdb"), read_only=read_only)


def _relations(project) -> dict[str, str]:
    with _warehouse(project) as connection:
        return dict(connection.execute("select table_name, table_type from information_schema.tables").fetchall())


def _values(project) -> dict[str, int]:
    with _warehouse(project) as connection:
        return {name: connection.execute(f"select value from {name}").fetchone()[0] for name in ("t", "v")}


def test_a_relation_is_replaced_in_place_also_across_view_and_table(small_project):
    # Each model's name is first taken by a relation of the other type (a model that switched).
    with _warehouse(small_project, read_only=False) as connection:
        connection.execute("create view t as select 0 as value; create table v as select 0 as value")
    for value in (1, 2):  # across types, then in place
        _write_models(small_project, value)
        invocation = _run(small_project)
        assert invocation.success, invocation.failure_text()
        # Only the models themselves: no __dbt_tmp or __dbt_backup relation is ever made.
        assert _relations(small_project) == {"t": "BASE TABLE", "v": "VIEW"}
        assert _values(small_project) == {"t": value, "v": value}


def test_a_config_the_materializations_do_not_support_stops_the_model(small_project):
    (small_project / "models" / "hooked.sql").write_text(HOOKED)
    invocation = _run(small_project, "--select", "hooked")
    assert not invocation.success
    assert "hooked sets post_hook" in invocation.failure_text()
    assert "hooked" not in _relations(small_project)
