"""Per-year figures of the indicator mart (lib/reporting/year_status.py)."""

import duckdb

from cj_pipeline.lib.reporting.year_status import financial_year_status


def test_counts_rows_values_and_markers_for_one_year():
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.execute(
        "create table marts.fct_indicator_values (area_code varchar, financial_year varchar, "
        "indicator_id varchar, value double, marker varchar)"
    )
    connection.execute("""insert into marts.fct_indicator_values values
        ('S1', '2024-25', 'A', 1, null), ('S1', '2024-25', 'B', null, '[c]'),
        ('S2', '2024-25', 'A', 2, '[p]'), ('S2', '2024-25', 'B', null, '[c]'),
        ('S1', '2023-24', 'A', 5, null)""")
    status = financial_year_status(connection, "2024-25")
    assert status == {
        "financial_year": "2024-25",
        "has_data": True,
        "rows": 4,
        "rows_with_value": 2,
        "rows_without_value": 2,
        "areas": 2,
        "indicators": 2,
        "markers": {"[c]": 2, "[p]": 1},
    }
    empty = financial_year_status(connection, "2030-31")
    assert empty["has_data"] is False and empty["rows"] == 0 and empty["markers"] == {}
