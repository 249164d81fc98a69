"""Resources built once and shared by every domain."""

import dagster as dg

from cj_pipeline.settings import Settings, get_settings

# Every asset that writes the warehouse runs in this pool (limit 1 in dagster.yaml):
# DuckDB allows one writer (docs/architecture.md, "DuckDB has one writer").
WAREHOUSE_POOL = "cj_warehouse"


class PipelineSettings(dg.ConfigurableResource):
    """Where the data dir is; empty means $CJ_DATA_DIR, else ./data of the project."""

    data_dir: str = ""

    def resolve(self) -> Settings:
        settings = get_settings(self.data_dir or None)
        settings.ensure_dirs()
        return settings
