"""A snapshot of the asset graph (asset keys, deps, groups, checks, jobs, schedules, sensors)
in tests/unit/snapshots/asset_graph.json, so any change to the graph is a visible diff in
review. When the change is intended, regenerate the file and commit it with the change:

    CJ_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_asset_graph.py
"""

import json
import os
from pathlib import Path

import dagster as dg

from cj_pipeline.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()


def graph_snapshot(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=_name):
        node = graph.get(key)
        assets[_name(key)] = {
            "group": node.group_name,
            "deps": sorted(_name(parent) for parent in node.parent_keys),
            "partitioned": node.is_partitioned,
            "checks": sorted(
                f"{check.name}{' (blocking)' if graph.get_check_spec(check).blocking else ''}"
                for check in node.check_keys
            ),
        }
    jobs = {
        job.name: sorted(_name(key) for key in job.asset_layer.selected_asset_keys)
        for job in sorted(definitions.resolve_all_job_defs(), key=lambda job: job.name)
        if not job.name.startswith("__")  # Dagster's implicit job of every asset
    }
    schedules = {
        schedule.name: {
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "job": schedule.job_name,
            "default_status": schedule.default_status.value,
        }
        for schedule in definitions.schedules or []
    }
    sensors = {
        sensor.name: {
            "type": sensor.sensor_type.value,
            "jobs": sorted(job.name for job in sensor.jobs) if sensor.has_jobs else [],
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "default_status": sensor.default_status.value,
        }
        for sensor in definitions.sensors or []
    }
    return {"assets": assets, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def _text(snapshot: dict) -> str:
    return json.dumps(snapshot, indent=2, sort_keys=True) + "\n"


def test_asset_graph_matches_its_snapshot():
    current = _text(graph_snapshot(defs))
    if os.environ.get("CJ_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.exists(), "no snapshot yet: CJ_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_asset_graph.py"
    assert current == SNAPSHOT.read_text(), (
        "The asset graph changed. If that is intended, regenerate the snapshot with "
        "CJ_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_asset_graph.py and commit the diff."
    )


def test_the_snapshot_sees_a_change_to_the_graph():
    """An extra asset, dependency, check, job or sensor changes the snapshot."""

    @dg.asset(group_name="extra", deps=[dg.AssetKey(["marts", "dim_area"])])
    def extra_asset() -> None: ...

    @dg.asset_check(asset=extra_asset, blocking=True)
    def extra_check() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    extra_job = dg.define_asset_job("extra_job", selection=[extra_asset])

    @dg.sensor(job=extra_job, minimum_interval_seconds=60)
    def extra_sensor():
        return None

    changed = graph_snapshot(
        dg.Definitions.merge(
            defs,
            dg.Definitions(assets=[extra_asset], asset_checks=[extra_check], jobs=[extra_job], sensors=[extra_sensor]),
        )
    )
    assert changed["assets"]["extra_asset"] == {
        "group": "extra",
        "deps": ["marts/dim_area"],
        "partitioned": False,
        "checks": ["extra_check (blocking)"],
    }
    assert changed["jobs"]["extra_job"] == ["extra_asset"]
    assert changed["sensors"]["extra_sensor"]["jobs"] == ["extra_job"]
    assert _text(changed) != _text(graph_snapshot(defs))
