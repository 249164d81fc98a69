"""The Dagster web server really serves the asset graph, the schedule and the sensors over GraphQL.

`dagster-webserver -w workspace.yaml` loads the same workspace as `make dev` (`dagster dev`),
without the daemon and without `prepare_if_dev()` re-parsing dbt, which makes `dagster dev`
take a minute or more to load on a busy 2-core machine."""

import shutil

import pytest

from cj_pipeline.settings import PROJECT_ROOT
from tests.integration.servers import (
    VENV_BIN,
    dagster_env,
    free_port,
    graphql,
    start_in_own_group,
    stop_group,
    wait_for,
)

pytestmark = pytest.mark.slow

WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError {
          __typename
          ... on RepositoryLocation {
            repositories { name schedules { name cronSchedule } sensors { name sensorType } jobs { name } }
          }
          ... on PythonError { message }
        }
      }
    }
  }
}
"""
ASSETS_QUERY = "{ assetNodes { assetKey { path } groupName } }"


def _loaded_repositories(port):
    data = graphql(port, WORKSPACE_QUERY)
    entries = data["workspaceOrError"]["locationEntries"]
    if not entries or entries[0]["locationOrLoadError"] is None:
        return None
    location = entries[0]["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation", location
    return location["repositories"]


def test_webserver_serves_assets_schedule_and_sensors(tmp_path):
    home, data = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port, log = free_port(), tmp_path / "dagster_dev.log"
    server = start_in_own_group(
        [str(VENV_BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        dagster_env(home, data),
        log,
    )
    try:
        repositories = wait_for(lambda: _loaded_repositories(port), 180, "the code location to load", server, log)
        repository = repositories[0]
        assert {s["name"]: s["cronSchedule"] for s in repository["schedules"]} == {
            "daily_intake_and_build": "0 6 * * *"
        }
        sensors = {s["name"]: s["sensorType"] for s in repository["sensors"]}
        assert sensors["uploads_sensor"] == "STANDARD" and sensors["partners_sensor"] == "STANDARD"
        assert sensors["alert_on_run_failure"] == "RUN_STATUS"
        assert {"build_warehouse", "financial_year_status_job"} <= {j["name"] for j in repository["jobs"]}

        nodes = graphql(port, ASSETS_QUERY)["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        assert keys["marts/fct_indicator_values"] == "marts"
        assert keys["raw/file_events"] == "intake"
        assert keys["financial_year_status"] == "by_year"
    finally:
        stop_group(server)
    assert server.returncode is not None
