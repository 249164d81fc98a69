"""A private copy of a built data folder, for a test that changes it (not a test module)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cj_pipeline.lib.warehouse.build_plan import dbt_target_path
from cj_pipeline.lib.warehouse.dbt_parse import PARSE_FILE, seed_partial_parse
from cj_pipeline.settings import get_settings


def copy_data_dir(source: Path, target: Path) -> Path:
    """Copy a data folder (raw, archive, receipts, warehouse, published/; links kept) to
    `target`, with dbt's parse file re-keyed to the copy's warehouse. dbt keys that file to
    the warehouse path in the profile, so a plain copy costs a full `dbt parse` on its
    first run; re-keyed (as the pipeline does for a new data folder) dbt parses nothing."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".writer.lock", PARSE_FILE))
    copy = get_settings(target)
    seed_partial_parse(dbt_target_path(get_settings(source)), dbt_target_path(copy), copy.warehouse_path)
    return target
