"""Plain-text summaries printed after a run (read from the warehouse)."""

from __future__ import annotations

from pathlib import Path

from cj_pipeline.lib.core.db import connect

SCOTLAND_NO1_SQL = """
select
    financial_year,
    max(case when indicator_id = 'NO1_ASSESSMENTS' then value end) as assessments,
    max(case when indicator_id = 'NO1_COMMENCED' then value end) as commenced,
    max(case when indicator_id = 'NO1_COMPLETED' then value end) as completed,
    max(case when indicator_id = 'ATT_DIV_COMMENCED_PCT' then value end) as commenced_pct,
    max(case when indicator_id = 'ATT_DIV_COMPLETED_PCT' then value end) as completed_pct,
    max(case when indicator_id = 'ATT_DIV_OVERALL_PCT' then value end) as overall_pct,
    string_agg(distinct marker, ' ') filter (where indicator_id like 'NO1_%') as markers
from marts.fct_indicator_values
where area_code = 'S92000003'
group by financial_year
order by financial_year
"""


def scotland_diversion_rows(warehouse_path: Path) -> list[tuple]:
    with connect(warehouse_path, read_only=True) as connection:
        return connection.execute(SCOTLAND_NO1_SQL).fetchall()


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
