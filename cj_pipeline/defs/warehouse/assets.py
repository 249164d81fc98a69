"""dbt builds the numbers: seeds, staging, intermediate and marts, with their tests.

A full build records what the relations were built from (lib/warehouse/build_plan.py); a refresh
rebuilds only what depends on the kinds of file that are new, and moves the record on
only when dbt succeeds.
"""

import os

import dagster as dg
from dagster_dbt import dbt_assets

from cj_pipeline.defs.jobs import refresh_keys
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.defs.warehouse.dbt_resource import InProcessDbtCli
from cj_pipeline.defs.warehouse.project import DBT_EXECUTABLE, dbt_project
from cj_pipeline.defs.warehouse.translator import CJDbtTranslator
from cj_pipeline.lib.core.kinds import FILE_KINDS
from cj_pipeline.lib.warehouse.build_plan import dbt_output_log, finish_build, raw_positions, start_build
from cj_pipeline.lib.warehouse.writer_lock import wait_for_warehouse


def _covered_kinds(context: dg.AssetExecutionContext) -> set[str]:
    """The kinds of file whose every downstream dbt asset this run builds."""
    deps = context.assets_def.asset_deps
    selected = context.selected_asset_keys
    return {kind for kind in FILE_KINDS if (refresh_keys({kind}, deps) & set(deps)) <= selected}


def _is_full_build(context: dg.AssetExecutionContext) -> bool:
    assets_def = context.assets_def
    return context.selected_asset_keys == set(assets_def.node_keys_by_output_name.values()) and set(
        context.selected_asset_check_keys
    ) >= {spec.key for spec in assets_def.node_check_specs_by_output_name.values()}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CJDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: InProcessDbtCli, pipeline_settings: PipelineSettings):
    settings = pipeline_settings.resolve()
    # profiles.yml reads the warehouse path from the environment (dbt runs in this process).
    os.environ["CJ_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    # dbt's own log file (dbt_target/dbt.log) is off: at info it held the lines dbt_output.log
    # has, and dbt scrubs the environment out of every line it writes there (about 6% of dbt's
    # profile samples). DBT_LOG_LEVEL_FILE=info brings it back, =debug with every SQL statement.
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
    # What the models will see: read before dbt starts (it needs the file lock) and after
    # intake (an earlier step of this run).
    positions = raw_positions(settings.warehouse_path)
    full, covered = _is_full_build(context), _covered_kinds(context)
    context.log.info(
        (
            "Full dbt build."
            if full
            else f"Subset: {len(context.selected_asset_keys)} dbt asset(s), "
            f"{len(context.selected_asset_check_keys)} test(s) as checks."
        )
        + f" Refreshes: {', '.join(sorted(covered)) or 'no kind of file in full'}."
    )
    start = start_build(settings)
    if start.seeded_parse:
        context.log.info("dbt starts from the project's prepared parse (no full parse).")
    # dbt's console lines go to a log file next to the warehouse; the events themselves
    # are the run's materialisations and checks.
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    log_path = dbt_output_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    context.log.info(f"dbt's output: {log_path}")
    wait_for_warehouse(settings.warehouse_path, settings.lock_wait, on_wait=context.log.warning)
    # Line-buffered: a run killed mid-build leaves every line dbt had printed.
    with log_path.open("a", encoding="utf-8", buffering=1) as log:
        log.write(f"---- run {context.run.run_id} ----\n")
        # dbt unit tests check the model code on fixed inputs, not the data: the test suite
        # runs them (tests/integration/test_build_matches_truth.py), not every build.
        build = ["build", "--exclude-resource-type", "unit_test"]
        yield from dbt.build_events(context, build, start.target, log, total)
    finish_build(settings, start, full, covered, positions)  # reached only when dbt succeeded


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[warehouse_dbt_models],
        resources={
            "dbt": InProcessDbtCli(
                project_dir=dbt_project,  # pyright: ignore[reportArgumentType]  # DbtCliResource.__init__ takes a DbtProject; pyright sees only the pydantic field (str)
                profiles_dir=str(dbt_project.profiles_dir),
                dbt_executable=DBT_EXECUTABLE,  # the venv's dbt: nothing depends on PATH
            )
        },
    )
