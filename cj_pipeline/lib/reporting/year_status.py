"""What the warehouse holds for one financial year: the figures behind a per-year check."""

from __future__ import annotations

import duckdb

INDICATOR_TABLE = "marts.fct_indicator_values"


def financial_year_status(connection: duckdb.DuckDBPyConnection, financial_year: str) -> dict:
    """Row counts and marker counts of the indicator mart for one year (JSON-safe values).

    `has_data` is False for a year no partner has sent yet; that is a fact to show, not an
    error (the seed lists years before data arrives).
    """
    rows, with_value, areas, indicators = connection.execute(
        f"""
        select count(*), count(value), count(distinct area_code), count(distinct indicator_id)
        from {INDICATOR_TABLE} where financial_year = ?
        """,
        [financial_year],
    ).fetchall()[0]
    markers = connection.execute(
        f"""
        select marker, count(*) from {INDICATOR_TABLE}
        where financial_year = ? and marker is not null
        group by marker order by marker
        """,
        [financial_year],
    ).fetchall()
    return {
        "financial_year": financial_year,
        "has_data": rows > 0,
        "rows": int(rows),
        "rows_with_value": int(with_value),
        "rows_without_value": int(rows - with_value),
        "areas": int(areas),
        "indicators": int(indicators),
        "markers": {marker: int(count) for marker, count in markers},
    }
