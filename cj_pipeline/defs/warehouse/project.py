"""The dbt project, and nothing else. `make setup` runs this module
(`python -m cj_pipeline.defs.warehouse.project`) to parse the project into
target/manifest.json, which dagster-dbt needs at import time; `dagster dev` parses it again
when the code location loads (`prepare_if_dev`).

No dbt command depends on PATH: the webserver, daemon and `dagster dev` are started by
absolute path from the venv (a service unit does not activate it). The parse runs dbt in
this process (`VenvDbtPreparer`), where dagster-dbt's default preparer would start whatever
`dbt` is on PATH, and the resource names the venv's own dbt (`DBT_EXECUTABLE`).
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


class DbtParseFailed(RuntimeError):
    """`dbt parse` of the project failed; the message is dbt's own."""


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (parse to target/manifest.json), with dbt run in this process:
    importing this module has imported dbt already (dagster-dbt does), so a dbt process would
    only import it again (3-4 s of the 8 s `dbt parse` takes as a process; docs/decisions.md)."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        from cj_pipeline.lib.warehouse.dbt_in_process import invoke_dbt

        folders = ["--project-dir", str(project.project_dir), "--profiles-dir", str(project.profiles_dir)]
        target = project.project_dir / project.target_path
        parsed = invoke_dbt([*self._prepare_project_cli_args, *folders, "--target-path", str(target)])
        if not parsed.success:
            raise DbtParseFailed(f"dbt could not parse {project.project_dir}:\n{parsed.failure_text()}")
        self._invalidate_seeds_in_partial_parse(project)


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
VenvDbtPreparer().prepare_if_dev(dbt_project)  # what dbt_project.prepare_if_dev() does, with our dbt


if __name__ == "__main__":  # `make setup`
    try:
        VenvDbtPreparer().prepare(dbt_project)
    except DbtParseFailed as failed:
        sys.exit(str(failed))
