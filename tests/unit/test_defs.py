"""The Definitions load, and the asset graph has the shape the design promises.

Asset keys are <schema>/<table>, the table's name in the warehouse."""

import dagster as dg

from cj_pipeline.definitions import defs
from cj_pipeline.lib.warehouse.build_plan import BUILD_JOB_NAME

RAW_KEYS = {dg.AssetKey(["raw", t]) for t in ("file_events", "submissions", "issues", "partner_values")}


def _graph():
    return defs.resolve_asset_graph()


def test_definitions_load_and_job_exists():
    defs.validate_loadable(defs)
    assert defs.resolve_job_def(BUILD_JOB_NAME) is not None


def test_intake_assets_produce_the_raw_tables():
    keys = set(_graph().get_all_asset_keys())
    assert RAW_KEYS <= keys


def test_marts_exist_and_hang_off_intake_through_staging():
    graph = _graph()
    keys = set(graph.get_all_asset_keys())
    for mart in ("fct_indicator_values", "dim_area", "dim_indicator"):
        assert dg.AssetKey(["marts", mart]) in keys
    fct = dg.AssetKey(["marts", "fct_indicator_values"])
    assert graph.get(fct).parent_keys == {dg.AssetKey(["intermediate", "int_indicator_values_computed"])}
    assert (
        dg.AssetKey(["raw", "partner_values"])
        in graph.get(dg.AssetKey(["staging", "stg_partners__values"])).parent_keys
    )
    upstream = graph.upstream_key_iterator(fct)
    assert dg.AssetKey(["raw", "partner_values"]) in set(upstream)


def test_all_partner_sources_share_one_staging_asset():
    """A partner source is data (seed rows and recipes): no asset of its own to keep in step."""
    keys = {"/".join(k.path) for k in _graph().get_all_asset_keys()}
    staging = {k for k in keys if k.startswith("staging/") and k.endswith("__values")}
    assert staging == {"staging/stg_partners__values"}


def test_groups_follow_the_layers():
    graph = _graph()
    assert graph.get(dg.AssetKey(["raw", "partner_values"])).group_name == "intake"
    assert graph.get(dg.AssetKey(["staging", "stg_partners__values"])).group_name == "staging"
    assert graph.get(dg.AssetKey(["marts", "fct_indicator_values"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["reference", "areas"])).group_name == "reference"


def test_dbt_tests_are_asset_checks():
    checks = {key.name for key in _graph().asset_check_keys}
    assert "row_contract_fct_indicator_values" in checks


def test_intake_does_not_claim_tables_written_by_publication():
    keys = set(_graph().get_all_asset_keys())
    assert dg.AssetKey(["raw", "publication_audit"]) not in keys
    assert dg.AssetKey(["raw", "change_reports"]) in keys  # written by intake with each submission


def test_the_dbt_resource_knows_its_version_without_asking_and_opens_no_adapter():
    """VenvDbtCli skips dagster-dbt's `dbt --version` subprocess and in-process adapter
    (defs/warehouse/project.py). The version it assumes must be what the executable says,
    and the hooks it overrides must still exist in dagster-dbt (else the override is dead
    and the cost is back)."""
    import re
    import subprocess

    from dagster_dbt import DbtCliResource

    from cj_pipeline.defs.warehouse.project import DBT_EXECUTABLE, VenvDbtCli, dbt_project

    said = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    resource = VenvDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    assert str(resource._cli_version) == re.search(r"installed: (\d+\.\d+\.\d+)", said).group(1)
    assert resource._initialize_dbt_core_adapter([]) is None
    for hook in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert hook in vars(DbtCliResource), f"dagster-dbt no longer has {hook}: revisit VenvDbtCli"
    assert isinstance(defs.resources["dbt"], VenvDbtCli)
