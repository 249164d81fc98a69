"""The per-year asset on the demo warehouse, one year in Python and every year from the CLI."""

import shutil
import subprocess

import dagster as dg
import duckdb
import pytest

from cj_pipeline.defs.resources import PipelineSettings
from cj_pipeline.defs.years.assets import financial_year_status
from cj_pipeline.lib.core.seeds import financial_years
from cj_pipeline.settings import PROJECT_ROOT
from tests.integration.servers import VENV_BIN, dagster_env

ASSET_KEY = dg.AssetKey("financial_year_status")


def _rows_in_mart(settings, year):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        return connection.execute(
            "select count(*) from marts.fct_indicator_values where financial_year = ?", [year]
        ).fetchone()[0]


def test_one_year_records_its_rows_and_markers(built_warehouse):
    settings, truth, build = built_warehouse
    assert build.success
    year = truth.years[-1]
    result = dg.materialize(
        [financial_year_status],
        partition_key=year,
        resources={"pipeline_settings": PipelineSettings(data_dir=str(settings.data_dir))},
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("financial_year_status")
    assert materialization.partition == year
    metadata = materialization.metadata
    assert metadata["rows"].value == _rows_in_mart(settings, year) > 0
    assert metadata["areas"].value == 33, "32 areas and Scotland"
    assert "[c]" in metadata["markers"].value


@pytest.mark.slow
def test_cli_backfills_every_year_in_one_run(built_warehouse, tmp_path):
    """The documented command: one run materialises all the years of the seed."""
    settings, _, _ = built_warehouse
    years = financial_years()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    command = [
        str(VENV_BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "cj_pipeline.definitions",
        "--select",
        "financial_year_status",
        "--partition-range",
        f"{years[0]}...{years[-1]}",
    ]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=dagster_env(home, settings.data_dir), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 1
        materialized = instance.get_materialized_partitions(ASSET_KEY)
        assert materialized == set(years)
        latest = instance.get_latest_materialization_event(ASSET_KEY).asset_materialization
        by_year = latest.metadata["by_year"].value
        for year in years:
            assert by_year[year]["rows"] == _rows_in_mart(settings, year)
