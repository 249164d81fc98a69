"""Shared fixtures: a demo warehouse built once by the real Dagster graph.

The build is shared by every pytest-xdist worker: the first worker that needs it builds
it under a file lock in the session's shared temp folder; the others wait for it and read
the same files (read-only). Tests that change anything work on a copy (`warehouse_copy`).
Modules that need the warehouse are ordered so one worker builds while the other runs
tests that do not need it.
"""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cj_pipeline.lib.demo.sample_data import generate_sample_data
from cj_pipeline.lib.warehouse.writer_lock import warehouse_writer_lock
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings

BUILD_FIXTURE = "built_warehouse"


@dataclass(frozen=True)
class BuildRecord:
    """What tests read from the build's ExecuteInProcessResult, in a form every worker can load."""

    success: bool
    all_events: list


def _record(result) -> BuildRecord:
    return BuildRecord(success=result.success, all_events=list(result.all_events))


def _save(path: Path, truth, record: BuildRecord) -> None:
    from dagster._serdes import serialize_value  # Dagster events serialise with Dagster's own serdes

    payload = {"truth": truth, "success": record.success, "events": serialize_value(record.all_events)}
    path.write_bytes(pickle.dumps(payload))


def _load(path: Path):
    from dagster._serdes import deserialize_value

    payload = pickle.loads(path.read_bytes())
    return payload["truth"], BuildRecord(payload["success"], list(deserialize_value(payload["events"])))


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory):
    """Sample data for 32 areas x 8 years, ingested and built by the Dagster job, once per
    test session (whatever the number of workers). Yields (settings, truth, result), where
    result has `.success` and `.all_events` of the build run. Read only: copy to change."""
    # Under xdist every worker has its own basetemp inside one shared parent folder.
    shared = (
        tmp_path_factory.getbasetemp().parent
        if os.environ.get("PYTEST_XDIST_WORKER")
        else tmp_path_factory.getbasetemp()
    )
    data_dir, done = shared / "shared_warehouse" / "data", shared / "shared_warehouse" / "build.pickle"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_writer_lock(shared / "shared_warehouse.lock", timeout=1800, on_wait=lambda message: None):
        if not done.exists():
            truth = generate_sample_data(data_dir)
            record = _record(run_build(get_settings(data_dir), log_level="WARNING"))
            _save(done, truth, record)
    truth, record = _load(done)
    yield get_settings(data_dir), truth, record


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path):
    """A private copy of the built data dir (raw, archive, receipts, warehouse) for tests
    that change things: far cheaper than generating and building again.

    Yields (settings, truth) for the copy.
    """
    settings, truth, _ = built_warehouse
    copy_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, copy_dir, symlinks=True, ignore=shutil.ignore_patterns(".writer.lock"))
    yield get_settings(copy_dir), truth


def pytest_collection_modifyitems(config, items):
    """Order modules for `--dist loadscope --no-loadscope-reorder` (one module per worker at
    a time, in this order): first one module that needs the shared build (it builds it),
    then the modules that do not need it, then the rest; slow modules first in each part,
    so no long module is left for the end while the other worker idles."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def slow_first(names: list[str]) -> list[str]:
        return sorted(names, key=lambda m: not any(i.get_closest_marker("slow") for i in modules[m]))

    needs_build = slow_first(
        [m for m, its in modules.items() if any(BUILD_FIXTURE in getattr(i, "fixturenames", ()) for i in its)]
    )
    others = slow_first([m for m in modules if m not in needs_build])
    order = needs_build[:1] + others + needs_build[1:]
    items[:] = [item for module in order for item in modules[module]]
