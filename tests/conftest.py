"""Shared fixtures: a demo warehouse built once by the real Dagster graph, and one release
of it published once by the real publication code.

Each is shared by every pytest-xdist worker: the first worker that needs it makes it
under a file lock in the session's shared temp folder; the others wait for it and read
the same files (read-only). Tests that change anything work on a copy (`warehouse_copy`,
`release_copy`).
Modules are ordered longest first (MODULE_SECONDS), one that needs the warehouse first so
one worker builds it while the other runs a module that does not need it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cj_pipeline.lib.demo.sample_data import generate_sample_data
from cj_pipeline.lib.warehouse.writer_lock import warehouse_writer_lock
from cj_pipeline.runner import run_build
from cj_pipeline.settings import Settings, get_settings
from tests.copies import copy_data_dir
from tests.planted import plant_and_publish

BUILD_FIXTURE = "built_warehouse"
RELEASE_YEAR = "2024-25"
RELEASE_OVERRIDE = "tests: the shared release of the sample data (two returns missing by design)"


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


def _shared_dir(tmp_path_factory) -> Path:
    """The session's temp folder every xdist worker sees (each worker has its own basetemp
    inside one shared parent folder)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory):
    """Sample data for 32 areas x 8 years, ingested and built by the Dagster job, once per
    test session (whatever the number of workers). Yields (settings, truth, result), where
    result has `.success` and `.all_events` of the build run. Read only: copy to change."""
    shared = _shared_dir(tmp_path_factory)
    data_dir, done = shared / "shared_warehouse" / "data", shared / "shared_warehouse" / "build.pickle"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_writer_lock(shared / "shared_warehouse.lock", timeout=1800, on_wait=lambda message: None):
        if not done.exists():
            truth = generate_sample_data(data_dir)
            record = _record(run_build(get_settings(data_dir), log_level="WARNING"))
            _save(done, truth, record)
    truth, record = _load(done)
    yield get_settings(data_dir), truth, record


@dataclass(frozen=True)
class SharedRelease:
    """The shared build published once: its data dir (warehouse, archive, published/), how
    long the `publish` command took (scales the kill points of the crash tests) and what it
    printed (what a person publishing with an override reads)."""

    settings: Settings
    release: Path
    seconds: float
    output: str


def _publish_with_the_cli(data_dir: Path) -> dict:
    """`cj-pipeline publish` as a person runs it (the gate blocks the sample year by design,
    so with an override); an ephemeral Dagster instance. Returns the seconds it took and what
    it printed."""
    cli = Path(sys.executable).parent / "cj-pipeline"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    command = [cli, "publish", "--year", RELEASE_YEAR, "--override-reason", RELEASE_OVERRIDE, "--data-dir", data_dir]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return {"seconds": time.monotonic() - started, "output": done.stdout + done.stderr}


@pytest.fixture(scope="session")
def published_release(built_warehouse, tmp_path_factory) -> SharedRelease:
    """A copy of the shared build with RELEASE_YEAR published by the `publish` command, once
    per test session (whatever the number of workers), for every test that reads a
    publication of the demo data. Read only: `release_copy` to change or publish again."""
    shared = _shared_dir(tmp_path_factory)
    data_dir, done = shared / "shared_release" / "data", shared / "shared_release" / "release.json"
    with warehouse_writer_lock(shared / "shared_release.lock", timeout=1800, on_wait=lambda message: None):
        if not done.exists():
            shutil.rmtree(data_dir, ignore_errors=True)  # a worker that died half way
            ran = _publish_with_the_cli(copy_data_dir(built_warehouse[0].data_dir, data_dir))
            done.write_text(json.dumps(ran))
    settings, ran = get_settings(data_dir), json.loads(done.read_text())
    return SharedRelease(settings, settings.published_dir / RELEASE_YEAR, ran["seconds"], ran["output"])


@pytest.fixture(scope="session")
def planted_release(built_warehouse, tmp_path_factory) -> Path:
    """A copy of the shared build with hostile text planted where areas' text goes
    (tests/planted.py), published once per test session by the real publication code, for the
    tests of the release's files and of its compare page. Read only. Returns the release folder."""
    shared = _shared_dir(tmp_path_factory)
    data_dir, done = shared / "planted_release" / "data", shared / "planted_release" / "release.txt"
    with warehouse_writer_lock(shared / "planted_release.lock", timeout=1800, on_wait=lambda message: None):
        if not done.exists():
            shutil.rmtree(data_dir, ignore_errors=True)  # a worker that died half way
            done.write_text(str(plant_and_publish(built_warehouse[0].data_dir, data_dir)))
    return Path(done.read_text())


@pytest.fixture
def release_copy(published_release, tmp_path):
    """A private copy of the published data dir (warehouse, archive, published/ with its
    snapshot) for tests that publish again or change a release. Yields its settings."""
    yield get_settings(copy_data_dir(published_release.settings.data_dir, tmp_path / "data"))


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path):
    """A private copy of the built data dir (raw, archive, receipts, warehouse) for tests
    that change things: far cheaper than generating and building again.

    Yields (settings, truth) for the copy.
    """
    settings, truth, _ = built_warehouse
    yield get_settings(copy_data_dir(settings.data_dir, tmp_path / "data")), truth


# Seconds each module took in a whole `make test` (the span from its first test's start to its
# last test's end on its worker, a busy machine: about 1.5-2x a quiet one; only the order they
# give matters). A module not listed counts as UNLISTED_SECONDS, or SLOW_SECONDS when it has a
# `slow` test: list a new module that takes more than a few seconds here. `CJ_MODULE_SECONDS=1
# make test` prints a fresh table (tests/module_seconds.py).
MODULE_SECONDS = {
    "tests/hostile/test_disk_full.py": 93,
    "tests/integration/test_first_hour_demo.py": 89,
    "tests/integration/test_crash_safety_publish.py": 46,
    "tests/integration/test_crash_safety_dbt.py": 41,
    "tests/integration/test_packs_in_browser.py": 33,
    "tests/integration/test_partner_recipes_pipeline.py": 24,
    "tests/integration/test_publish_through_gate.py": 18,
    "tests/integration/test_area_text_inert.py": 18,
    "tests/integration/test_area_status_pages.py": 17,
    "tests/integration/test_compare_page.py": 17,
    "tests/integration/test_selective_rebuild.py": 17,
    "tests/integration/test_first_hour.py": 15,
    "tests/hostile/test_archive_is_the_source_of_truth.py": 12,
    "tests/integration/test_build_matches_truth.py": 12,
    "tests/unit/test_expectations_helper.py": 11,
    "tests/integration/test_publish_outputs.py": 11,
    "tests/integration/test_webserver_graphql.py": 10,
    "tests/integration/test_crash_safety.py": 10,
    "tests/integration/test_sensor_receipt_on_arrival.py": 10,
    "tests/integration/test_partner_intake.py": 9,
    "tests/integration/test_dbt_in_process.py": 8,
    "tests/integration/test_returns_intake.py": 8,
    "tests/integration/test_trust.py": 8,
    "tests/integration/test_real_partner_tables.py": 8,
    "tests/integration/test_financial_year_status.py": 7,
    "tests/integration/test_publication_gate.py": 6,
    "tests/integration/test_dbt_materializations.py": 5,
    "tests/integration/test_area_outbox.py": 5,
    "tests/hostile/test_hostile_corpus.py": 4,
    "tests/unit/test_writer_lock.py": 4,
    "tests/integration/test_validate_agrees_with_gate.py": 4,
    "tests/integration/test_snapshot_older_duckdb.py": 3,
    "tests/unit/test_on_arrival.py": 3,
    "tests/unit/test_defs.py": 3,
    "tests/integration/test_postgres_instance.py": 2,
    "tests/integration/test_axe_helper.py": 2,
    "tests/integration/test_publish_helpers.py": 2,
    "tests/hostile/test_intake_identity_and_places.py": 2,
    "tests/unit/test_publish_disclosure.py": 2,
    "tests/unit/test_operations_defs.py": 1,
}
UNLISTED_SECONDS, SLOW_SECONDS = 3, 40


def pytest_configure(config):
    if os.environ.get("CJ_MODULE_SECONDS"):
        from tests import module_seconds

        config.pluginmanager.register(module_seconds, "module_seconds")


def pytest_collection_modifyitems(config, items):
    """Order modules for `--dist loadscope --no-loadscope-reorder` (each module goes whole to
    the next free worker, in this order): longest first, so the two workers finish together
    instead of one running a long module at the end while the other idles. The first module
    is the longest one that needs the shared build: its worker builds it at once, while the
    other worker starts the next (in practice the demo, which needs no shared build)."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def seconds(module: str) -> int:
        slow = any(item.get_closest_marker("slow") for item in modules[module])
        return MODULE_SECONDS.get(module, SLOW_SECONDS if slow else UNLISTED_SECONDS)

    order = sorted(modules, key=seconds, reverse=True)  # stable: collection order among equals
    builders = [m for m in order if any(BUILD_FIXTURE in getattr(i, "fixturenames", ()) for i in modules[m])]
    if builders:
        order.remove(builders[0])
        order.insert(0, builders[0])
    items[:] = [item for module in order for item in modules[module]]
