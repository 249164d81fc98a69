"""How dbt nodes appear in Dagster: one rule per method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# dbt folders that become Dagster groups of the same name.
MODEL_FOLDERS = ("staging", "intermediate", "marts")


class CJDbtTranslator(DagsterDbtTranslator):
    def __init__(self):
        # dbt tests become Dagster asset checks (the quality gate builds on them).
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group by dbt folder; seeds are reference data."""
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        for folder in MODEL_FOLDERS:
            if folder in fqn:
                return folder
        return super().get_group_name(dbt_resource_props)
