"""Shared fixtures: a demo warehouse built once by the real Dagster graph."""

from __future__ import annotations

import pytest

from cj_pipeline.lib.sample_data import generate_sample_data
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory):
    """Sample data for 32 areas x 8 years, ingested and built by the Dagster job.

    Yields (settings, truth, result). Session-scoped: building takes ~30 s, and the
    tests that use it only read. Tests that need it share the xdist group "warehouse".
    """
    data_dir = tmp_path_factory.mktemp("warehouse_data")
    truth = generate_sample_data(data_dir)
    settings = get_settings(data_dir)
    result = run_build(settings, log_level="WARNING")
    yield settings, truth, result


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path):
    """A private copy of the built data dir (raw, archive, receipts, warehouse) for tests
    that change things: far cheaper than generating and building again.

    Yields (settings, truth) for the copy. Use with the xdist group "warehouse".
    """
    import shutil

    settings, truth, _ = built_warehouse
    copy_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, copy_dir, symlinks=True)
    yield get_settings(copy_dir), truth
