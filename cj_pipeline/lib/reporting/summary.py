"""Plain-text summaries printed after a run (read from the warehouse)."""

from __future__ import annotations

from pathlib import Path

from cj_pipeline.lib.core.db import connect


def warehouse_counts(warehouse_path: Path) -> dict[str, int]:
    with connect(warehouse_path, read_only=True) as connection:
        return {
            "indicator rows": connection.execute("select count(*) from marts.fct_indicator_values").fetchall()[0][0],
            "areas (with Scotland)": connection.execute(
                "select count(distinct area_code) from marts.fct_indicator_values"
            ).fetchall()[0][0],
            "financial years": connection.execute(
                "select count(distinct financial_year) from marts.fct_indicator_values"
            ).fetchall()[0][0],
        }
