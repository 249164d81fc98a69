"""Row-level contracts (pandera, polars) on the parsed rows intake wrote to raw.*.

Intake already validates every file; these contracts are the safety net that the rows
which reached the warehouse still have the promised types, markers, non-negative counts
and known area codes, whatever code path wrote them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from cj_pipeline.lib.core.cells import ALL_MARKERS
from cj_pipeline.lib.core.seeds import (
    area_names,
    evidence_catalogue,
    local_authorities,
    local_measure_catalogue,
    read_seed,
)
from cj_pipeline.lib.quality.outcome import CheckOutcome, outcome
from cj_pipeline.lib.returns.layout import EVIDENCE_STATUSES

if TYPE_CHECKING:
    import pandera.polars

YEAR_PATTERN = r"^\d{4}-\d{2}$"
# One marker or several qualifying ones separated by spaces: "[c]", "[p] [r]".
_ONE = "|".join(re.escape(m) for m in sorted(ALL_MARKERS))
MARKER_PATTERN = rf"^(?:{_ONE})(?: (?:{_ONE}))*$"


def _schemas() -> dict[str, pandera.polars.DataFrameSchema]:
    import pandera.polars as pa

    all_areas = list(area_names())
    local_areas = [a["area_code"] for a in local_authorities()]
    sources = sorted({row["source"] for row in read_seed("partner_measures")})
    measures = sorted({row["measure"] for row in read_seed("partner_measures")})

    def isin(values, what: str):
        return pa.Check.isin(values, error=f"is one of the {what}")

    marker = pa.Column(
        pl.Utf8, pa.Check.str_matches(MARKER_PATTERN, error="is a marker such as [c], [x] or [p] [r]"), nullable=True
    )
    count = pa.Column(pl.Float64, pa.Check.ge(0, error="is not negative"), nullable=True)
    year = pa.Column(pl.Utf8, pa.Check.str_matches(YEAR_PATTERN, error="is a financial year such as 2024-25"))
    return {
        "partner_values": pa.DataFrameSchema(
            {
                "source": pa.Column(pl.Utf8, isin(sources, "partner sources")),
                "area_code": pa.Column(pl.Utf8, isin(all_areas, "area codes in the areas seed")),
                "financial_year": year,
                "measure": pa.Column(pl.Utf8, isin(measures, "partner measures of the seed")),
                "value": count,
                "marker": marker,
                "sheet": pa.Column(pl.Utf8),
                "cell": pa.Column(pl.Utf8),
            },
            name="partner_values",
        ),
        "return_measures": pa.DataFrameSchema(
            {
                "area_code": pa.Column(pl.Utf8, isin(local_areas, "32 local authority codes")),
                "financial_year": year,
                "measure_id": pa.Column(
                    pl.Utf8, isin([m["measure_id"] for m in local_measure_catalogue()], "local measure IDs")
                ),
                "numerator": count,
                "numerator_marker": marker,
                "denominator": count,
                "denominator_marker": marker,
                "sheet": pa.Column(pl.Utf8),
            },
            name="return_measures",
        ),
        "return_evidence": pa.DataFrameSchema(
            {
                "area_code": pa.Column(pl.Utf8, isin(local_areas, "32 local authority codes")),
                "financial_year": year,
                "evidence_id": pa.Column(
                    pl.Utf8, isin([e["evidence_id"] for e in evidence_catalogue()], "evidence IDs")
                ),
                "status": pa.Column(pl.Utf8, isin(list(EVIDENCE_STATUSES), "evidence statuses"), nullable=True),
                "sheet": pa.Column(pl.Utf8),
            },
            name="return_evidence",
        ),
        "return_cover": pa.DataFrameSchema(
            {
                "area_code": pa.Column(pl.Utf8, isin(local_areas, "32 local authority codes")),
                "financial_year": year,
                "sheet": pa.Column(pl.Utf8),
            },
            name="return_cover",
        ),
    }


CONTRACT_TABLES = ("partner_values", "return_measures", "return_evidence", "return_cover")
# Columns that say where a row came from, copied into each failure's details.
_WHERE = (
    "submission_id",
    "area_code",
    "financial_year",
    "source",
    "measure",
    "measure_id",
    "evidence_id",
    "sheet",
    "cell",
    "numerator_cell",
    "denominator_cell",
)


def _read(connection: duckdb.DuckDBPyConnection, table: str, financial_year: str | None) -> pl.DataFrame:
    sql, params = f"select * from raw.{table}", []
    if financial_year is not None:
        sql, params = sql + " where financial_year = ?", [financial_year]
    return pl.DataFrame(connection.sql(sql, params=params).to_arrow_table())


def validate_rows(table: str, frame: pl.DataFrame) -> CheckOutcome:
    """Validate parsed rows of raw.<table> (a polars frame) against its contract."""
    import pandera.errors
    import pandera.polars  # noqa: F401  (registers the polars backend)

    schema = _schemas()[table]
    name = f"contract_{table}"
    details: list[dict] = []
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if not isinstance(cases, pl.DataFrame):
            cases = pl.from_pandas(cases)
        rows = frame.with_row_index("_row")
        for case in cases.iter_rows(named=True):
            index = case.get("index")
            where = {}
            if index is not None and 0 <= int(index) < rows.height:
                row = rows.row(int(index), named=True)
                where = {k: row[k] for k in _WHERE if k in row and row[k] is not None}
            area = area_names().get(where.get("area_code", ""), where.get("area_code"))
            details.append(
                {
                    "table": f"raw.{table}",
                    "column": case.get("column"),
                    "check": str(case.get("check")),
                    "failure_case": None if case.get("failure_case") is None else str(case.get("failure_case")),
                    **({"area": area} if area else {}),
                    **where,
                    "problem": f"raw.{table} column {case.get('column')!s}: value {case.get('failure_case')!r} "
                    f"should be a value that {case.get('check')}"
                    + (
                        f" ({area} {where.get('financial_year', '')}, sheet {where.get('sheet')} "
                        f"cell {where.get('cell') or where.get('numerator_cell') or '?'})"
                        if where
                        else ""
                    )
                    + ".",
                }
            )
    return outcome(
        name,
        blocking=True,
        details=details,
        passed_summary=f"Every row of raw.{table} meets its contract ({frame.height:,} rows).",
        failed_summary=f"{{n}} value(s) in raw.{table} break its contract.",
    )


def raw_contracts(connection: duckdb.DuckDBPyConnection, financial_year: str | None = None) -> list[CheckOutcome]:
    """One outcome per raw table with a contract (rows of that year when given)."""
    return [validate_rows(table, _read(connection, table, financial_year)) for table in CONTRACT_TABLES]


__all__ = ["CONTRACT_TABLES", "raw_contracts", "validate_rows"]
