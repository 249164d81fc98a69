"""dbt builds the numbers: seeds, staging, intermediate and marts, with their tests.

A full build records what the relations were built from (lib/warehouse/build_plan.py); a refresh
rebuilds only what depends on the kinds of file that are new, and moves the record on
only when dbt succeeds.
"""

import contextlib
import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from cj_pipeline.defs.jobs import refresh_keys
from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.defs.warehouse.project import DBT_EXECUTABLE, VenvDbtCli, dbt_project
from cj_pipeline.defs.warehouse.translator import CJDbtTranslator
from cj_pipeline.lib.core import progress
from cj_pipeline.lib.core.kinds import FILE_KINDS
from cj_pipeline.lib.warehouse.build_plan import (
    BuildState,
    dbt_output_log,
    dbt_project_fingerprint,
    dbt_target_path,
    raw_positions,
    read_build_state,
    write_build_state,
)
from cj_pipeline.lib.warehouse.dbt_parse import seed_partial_parse
from cj_pipeline.lib.warehouse.writer_lock import wait_for_warehouse
from cj_pipeline.settings import DBT_PROJECT_DIR


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
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline_settings: PipelineSettings):
    settings = pipeline_settings.resolve()
    # profiles.yml reads the warehouse path from the environment of the dbt process.
    os.environ["CJ_WAREHOUSE_PATH"] = str(settings.warehouse_path)
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
    # One dbt target folder per warehouse: dbt's partial parse file stays valid between runs
    # (the profile holds the warehouse path, so the project's shared target/ would be
    # re-parsed for every data dir). After a change to the project, parse afresh.
    target = dbt_target_path(settings)
    previous = read_build_state(settings)
    fingerprint = dbt_project_fingerprint()  # of the project this build parses
    if previous is None or previous.fingerprint != fingerprint:
        (target / "partial_parse.msgpack").unlink(missing_ok=True)
    # No parse file of its own yet (a new data dir, or the project changed): start from the
    # project's prepared parse rather than a full parse (lib/warehouse/dbt_parse.py).
    if seed_partial_parse(DBT_PROJECT_DIR / "target", target, settings.warehouse_path):
        context.log.info("dbt starts from the project's prepared parse (no full parse).")
    # dbt's per-node lines (dagster-dbt echoes them on stdout) go to a log file next to
    # the warehouse; the events themselves are the run's materialisations and checks.
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    log_path = dbt_output_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    context.log.info(f"dbt's output: {log_path}")
    wait_for_warehouse(settings.warehouse_path, settings.lock_wait, on_wait=context.log.warning)
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"---- run {context.run.run_id} ----\n")
        # dbt unit tests check the model code on fixed inputs, not the data: the test suite
        # runs them (tests/integration/test_build_matches_truth.py), not every build.
        build = ["build", "--exclude-resource-type", "unit_test"]
        events, done = dbt.cli(build, context=context, target_path=target).stream(), 0
        while True:
            with contextlib.redirect_stdout(log):  # only while dbt's events are read
                event = next(events, None)
            if event is None:
                break
            done += 1
            progress.report("dbt", min(done, total), total)
            yield event
    # The record moves on only when dbt succeeds. A failed or killed build leaves it as it
    # was: what this run ingested is still beyond `built_through` (the next run rebuilds
    # it), a changed project still differs from `fingerprint` (the next run builds all),
    # and any other relation dbt replaced was rebuilt from the same rows.
    state = previous
    if full:
        state = BuildState(fingerprint, dict(previous.built_through if previous else {}))
    if state is not None:  # a subset never vouches for a warehouse without a full build
        for kind in covered:
            state.built_through[kind] = positions.get(kind, 0)
        write_build_state(settings, state)


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[warehouse_dbt_models],
        resources={
            "dbt": VenvDbtCli(
                project_dir=dbt_project,  # pyright: ignore[reportArgumentType]  # DbtCliResource.__init__ takes a DbtProject; pyright sees only the pydantic field (str)
                profiles_dir=str(dbt_project.profiles_dir),
                dbt_executable=DBT_EXECUTABLE,  # the venv's dbt: nothing depends on PATH
            )
        },
    )
