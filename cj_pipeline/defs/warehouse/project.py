"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package`
imports this file to build target/manifest.json at setup time.

Every dbt command runs the venv's own dbt (`DBT_EXECUTABLE`), never whatever `dbt` is on
PATH: the webserver, daemon and `dagster dev` are started by absolute path from the venv
(a service unit does not activate it), and dagster-dbt's default preparer, which
`dagster dev` runs through `prepare_if_dev`, would otherwise look `dbt` up on PATH.
"""

import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from dbt.version import __version__ as DBT_CORE_VERSION
from packaging import version

from cj_pipeline.settings import DBT_PROJECT_DIR

# The dbt next to the Python running us: the venv's (sys.executable is not resolved, so a
# venv's bin/python symlink still points here).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class VenvDbtCli(DbtCliResource):
    """dagster-dbt's resource, without two start-up costs of every `cli()` call that this
    project never uses (measured together at ~6 s of a 20 s dbt step, bench/results.md):

    - `dbt --version` in a subprocess, to learn the version: our executable is the venv's
      dbt (`DBT_EXECUTABLE`), whose version is that of the dbt-core package installed here.
    - a dbt adapter opened in this process (profile, project, DuckDB), which dagster-dbt
      uses only for `fetch_row_counts` and `fetch_column_metadata`; we call neither. (On
      DuckDB an open adapter also makes dagster-dbt hold every event until dbt exits.)

    Both are private hooks of dagster-dbt (pinned in the lock);
    tests/unit/test_defs.py checks the version against `dbt --version` and that the
    events still stream."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(DBT_CORE_VERSION)

    def _initialize_dbt_core_adapter(self, args):
        return None


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (parse to target/manifest.json), with the venv's dbt."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        VenvDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(  # pyright: ignore[reportArgumentType]  # DbtCliResource.__init__ takes a DbtProject; pyright sees only the pydantic field (str)
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()
        self._invalidate_seeds_in_partial_parse(project)


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
VenvDbtPreparer().prepare_if_dev(dbt_project)  # what dbt_project.prepare_if_dev() does, with our dbt
