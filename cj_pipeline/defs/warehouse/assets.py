"""dbt builds the numbers: seeds, staging, intermediate and marts, with their tests."""


import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from cj_pipeline.defs.resources import WAREHOUSE_POOL, PipelineSettings
from cj_pipeline.defs.warehouse.project import dbt_project
from cj_pipeline.defs.warehouse.translator import CJDbtTranslator


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CJDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline_settings: PipelineSettings
):
    # profiles.yml reads the warehouse path from the environment of the dbt process.
    os.environ["CJ_WAREHOUSE_PATH"] = str(pipeline_settings.resolve().warehouse_path)
    yield from dbt.cli(["build"], context=context).stream()


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[warehouse_dbt_models],
        resources={
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=str(dbt_project.profiles_dir),
                # The venv's dbt, so nothing depends on PATH.
                dbt_executable=str(Path(sys.executable).parent / "dbt"),
            )
        },
    )
