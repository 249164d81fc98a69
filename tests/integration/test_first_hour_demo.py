"""A newcomer's first hour, the demo: `cj-pipeline demo` as a subprocess at 80 columns, then
`dagster dev` started by absolute path with no venv on PATH, and the UI's GraphQL API
publishing a year of the demo's data (the demo's own data: no shared build needed)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.integration.servers import VENV_BIN, free_port, graphql, start_in_own_group, stop_group, wait_for

CLI = str(VENV_BIN / "cj-pipeline")
DEMO_LINE_BUDGET = 40


def _cli_env(dagster_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "CJ_DATA_DIR")}
    env.update(DAGSTER_HOME=str(dagster_home), COLUMNS="80")
    return env


def _launch_publish(port: int, year: str, reason: str) -> str:
    mutation = """
    mutation($params: ExecutionParams!) {
      launchRun(executionParams: $params) {
        __typename
        ... on LaunchRunSuccess { run { runId } }
        ... on PythonError { message }
        ... on RunConfigValidationInvalid { errors { message } }
      }
    }"""
    location = graphql(
        port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    )
    (repository,) = location["repositoriesOrError"]["nodes"]
    params = {
        "selector": {
            "repositoryLocationName": repository["location"]["name"],
            "repositoryName": repository["name"],
            "jobName": "publish_year",
        },
        "runConfigData": {"ops": {"published_release": {"config": {"override_reason": reason}}}},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": year}]},
    }
    launched = graphql(port, mutation, variables={"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _run_status(port: int, run_id: str) -> str | None:
    query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    status = graphql(port, query, variables={"id": run_id})["runOrError"]["status"]
    return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None


@pytest.mark.slow
def test_demo_tells_the_story_in_40_lines_and_the_ui_publishes_a_year_of_it(tmp_path):
    home, data = tmp_path / "dagster_home", tmp_path / "data"  # the CLI sets up the home itself
    demo = subprocess.run(
        [CLI, "demo", "--data-dir", str(data)], capture_output=True, text=True, env=_cli_env(home), timeout=1200
    )
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-4000:]
    lines = output.splitlines()
    with open(tmp_path / "demo.txt", "w") as handle:
        handle.write(output)
    assert len(lines) <= DEMO_LINE_BUDGET, output
    # At 80 columns (the data directory's own path aside: it is printed whole, never broken).
    assert all(len(line.replace(str(data), "DATA")) <= 80 for line in lines), output
    for noise in ("Traceback", "Warning", " - dagster - ", "START sql"):
        assert noise not in output, output
    assert "1 rejected: " in output and "1 duplicate: " in output
    assert "NOT PUBLISHED 2024-25" in output and "missing_returns" in output
    assert "PUBLISHED 2023-24" in output.replace("NOT PUBLISHED 2024-25", "")
    release = data / "published" / "2023-24"
    for name in ("community_justice_indicators_2023-24.xlsx", "packs/S92000003.html"):
        assert (release / name).exists() and str(Path("published/2023-24") / name) in output
    assert (home / "dagster.yaml").exists()

    # dagster dev as a service starts it: by absolute path, no venv on PATH.
    port, log = free_port(), tmp_path / "dagster_dev.log"
    env = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": "/usr/bin:/bin",
        "DAGSTER_HOME": str(home),
        "CJ_DATA_DIR": str(data),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    server = start_in_own_group(
        [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], env, log
    )
    try:
        query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"

        def loaded():
            (entry,) = graphql(port, query)["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] != "LOADED":
                return None
            assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
            return True

        wait_for(loaded, 600, "the code location to load without the venv on PATH", server, log)
        runs = graphql(port, "{ runsOrError { ... on Runs { results { jobName tags { key value } } } } }")
        cli_runs = {
            run["jobName"] for run in runs["runsOrError"]["results"] if any(t["key"] == "cj/pid" for t in run["tags"])
        }
        assert {"build_warehouse", "publish_year"} <= cli_runs  # the demo's runs are in the UI's history
        description = graphql(port, '{ assetNodes(assetKeys: [{path: ["published_release"]}]) { description } }')
        assert "`published/<FY>/`" in description["assetNodes"][0]["description"]

        reason = "UI test: two areas agreed to publish late"
        run_id = _launch_publish(port, "2024-25", reason)
        assert wait_for(lambda: _run_status(port, run_id), 600, "the publish run", server, log) == "SUCCESS"
    finally:
        stop_group(server)
    assert (data / "published" / "2024-25" / "release.json").exists()
    release_json = json.loads((data / "published" / "2024-25" / "release.json").read_text())
    assert release_json["override_reason"] == reason
    with duckdb.connect(str(data / "published" / "snapshot" / "cj_analytics.duckdb"), read_only=True) as snapshot:
        assert snapshot.execute("select financial_year from published.release_info").fetchone() == ("2024-25",)
