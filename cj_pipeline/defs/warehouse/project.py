"""The dbt project, and nothing else: `dagster-dbt project prepare-and-package`
imports this file to build target/manifest.json at setup time."""

from dagster_dbt import DbtProject

from cj_pipeline.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
