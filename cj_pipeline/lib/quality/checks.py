"""The quality checks on the built warehouse: one function per check, no Dagster.

Each takes a (read-only) DuckDB connection and optionally a financial year (None: every
year in the warehouse) and returns a `CheckOutcome` whose details name the area, year,
indicator / source / measure (and file, sheet, cell when known) in plain English.

Blocking (stop publication): missing_returns, missing_local_evidence, partner_coverage,
numerator_above_denominator, percentage_out_of_range.
Warning only: scotland_reconciliation, year_on_year_jumps.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from cj_pipeline.lib.core.db import fetch_dicts
from cj_pipeline.lib.core.seeds import (
    SCOTLAND_CODE,
    area_names,
    financial_years,
    indicators,
    local_authorities,
    read_seed,
)
from cj_pipeline.lib.quality.outcome import CheckOutcome, outcome

# Year-on-year jumps (warning): a value that moves by more than half of the previous
# year's value, when the previous base (the count itself, or the numerator of a ratio)
# is at least 20. Smaller bases swing by chance and are not flagged.
JUMP_RELATIVE_CHANGE = 0.5
JUMP_MIN_BASE = 20

Connection = duckdb.DuckDBPyConnection


def _name(area_code: str) -> str:
    return area_names().get(area_code, area_code)


def _place(row: dict) -> dict:
    """Where a problem is, as every check's details name it: area code, area name, year."""
    return {"area_code": row["area_code"], "area": _name(row["area_code"]), "financial_year": row["financial_year"]}


def _year_filter(column: str, financial_year: str | None) -> tuple[str, list]:
    if financial_year is None:
        return "true", []
    return f"{column} = ?", [financial_year]


def _outcome_from_query(
    connection: Connection,
    sql: str,
    params: list,
    detail: Callable[[dict], dict],
    *,
    name: str,
    blocking: bool,
    passed_summary: str,
    failed_summary: str,
) -> CheckOutcome:
    """The shape most checks share: every row the query returns is a problem, described by `detail`."""
    details = [detail(row) for row in fetch_dicts(connection, sql, params)]
    return outcome(
        name, blocking=blocking, details=details, passed_summary=passed_summary, failed_summary=failed_summary
    )


def _percent_indicators(include_attrition: bool = False) -> list[str]:
    """Percentage indicators computed as ratios (attrition ratios only when asked)."""
    return [
        row["indicator_id"]
        for row in indicators()
        if row["unit"] == "percent" and (include_attrition or not row["indicator_id"].startswith("ATT_"))
    ]


# ---------------------------------------------------------------- blocking checks


def missing_returns(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Every local authority has an accepted return for the year (fct_evidence_completeness)."""
    where, params = _year_filter("financial_year", financial_year)
    rows = fetch_dicts(
        connection,
        f"""select area_code, financial_year, return_status from marts.fct_evidence_completeness
            where return_status in ('missing', 'rejected') and {where}
            order by financial_year, area_code""",
        params,
    )
    if financial_year is not None:
        known = connection.execute(
            "select count(*) from marts.fct_evidence_completeness where financial_year = ?", [financial_year]
        ).fetchall()[0][0]
        if known == 0:  # no data at all for that year: every area is missing
            rows = [
                {"area_code": area["area_code"], "financial_year": financial_year, "return_status": "missing"}
                for area in local_authorities()
            ]
    details = [
        {
            **_place(row),
            "return_status": row["return_status"],
            "problem": (
                f"{_name(row['area_code'])} has not sent a return for {row['financial_year']}."
                if row["return_status"] == "missing"
                else f"{_name(row['area_code'])}'s return for {row['financial_year']} was rejected "
                "(see its receipt) and no accepted return has replaced it."
            ),
        }
        for row in rows
    ]
    return outcome(
        "missing_returns",
        blocking=True,
        details=details,
        passed_summary="Every area has an accepted return.",
        failed_summary="{n} area return(s) missing or rejected: "
        + ", ".join(f"{d['area']} {d['financial_year']}" for d in details[:10])
        + (" ..." if len(details) > 10 else "."),
    )


def missing_local_evidence(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Each received return is complete (fct_evidence_completeness.ready_to_publish)."""
    where, params = _year_filter("financial_year", financial_year)

    def detail(row: dict) -> dict:
        return {
            **_place(row),
            "items_missing": row["items_expected"] - row["items_complete"],
            "missing_items": [item for item in (row["missing_items"] or "").split("; ") if item],
            "problem": f"{_name(row['area_code'])} {row['financial_year']}: "
            f"{row['items_expected'] - row['items_complete']} of {row['items_expected']} items missing "
            f"({row['missing_items']}).",
        }

    return _outcome_from_query(
        connection,
        f"""select area_code, financial_year, items_expected, items_complete, missing_items
            from marts.fct_evidence_completeness
            where return_status = 'received' and not ready_to_publish and {where}
            order by financial_year, area_code""",
        params,
        detail,
        name="missing_local_evidence",
        blocking=True,
        passed_summary="Every received return has its local evidence, actions and progress.",
        failed_summary="{n} return(s) lack local evidence, actions or progress.",  # fits 80 columns
    )


def partner_coverage(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Every area (Scotland for Scotland-only measures) x year x partner measure of the
    partner_measures seed required for the gate has a current value or a marker saying why not.

    Context measures (required_for_gate = false in the seed: population of all ages, recorded
    crime, reconvictions, all homelessness applications) feed context indicators only; a year
    or area a publication does not cover never blocks publication of the national indicators.
    Only the reporting years of the financial_years seed are checked: publications carry
    history from before it.
    A source listed in the partner_source_years seed (published less often than yearly) is
    only expected in the years listed there: another year is [z] by rule and never blocks."""
    present = {
        tuple(row)
        for row in connection.execute(
            """select partner_source, measure, area_code, financial_year
               from intermediate.int_partner_values_versioned
               where is_current and (value is not null or marker is not null)"""
        ).fetchall()
    }
    if financial_year is not None:
        years = [financial_year]
    else:
        years = sorted({key[3] for key in present} & set(financial_years()))
    local_codes = [area["area_code"] for area in local_authorities()]
    covers = source_years()
    details = []
    for year in years:
        for measure in read_seed("partner_measures"):
            if measure.get("required_for_gate", "true") != "true":
                continue
            if measure["source"] in covers and year not in covers[measure["source"]]:
                continue  # not a year this source publishes: [z]
            codes = [SCOTLAND_CODE] if measure["scotland_only"] == "true" else local_codes
            for code in codes:
                if (measure["source"], measure["measure"], code, year) not in present:
                    details.append(
                        {
                            "area_code": code,
                            "area": _name(code),
                            "financial_year": year,
                            "source": measure["source"],
                            "measure": measure["measure"],
                            "problem": f"No {measure['source']} value or marker for {measure['measure']} "
                            f"({measure['description']}) for {_name(code)} in {year}.",
                        }
                    )
    by_source: dict[str, int] = {}
    for detail in details:
        by_source[f"{detail['source']} {detail['financial_year']}"] = (
            by_source.get(f"{detail['source']} {detail['financial_year']}", 0) + 1
        )
    shown = ", ".join(f"{key} ({count})" for key, count in list(by_source.items())[:10])
    return outcome(
        "partner_coverage",
        blocking=True,
        details=details,
        passed_summary="Every partner measure has a value or marker for every area and year.",
        failed_summary="{n} partner value(s) neither received nor marked: "
        + shown
        + (" ..." if len(by_source) > 10 else "."),
    )


def source_years() -> dict[str, set[str]]:
    """Sources published less often than yearly -> the financial years they cover."""
    covers: dict[str, set[str]] = {}
    for row in read_seed("partner_source_years"):
        covers.setdefault(row["source"], set()).add(row["financial_year"])
    return covers


def numerator_above_denominator(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Percentage indicators (not attrition ratios, which can exceed 100 by design:
    cases cross financial years) have numerator <= denominator."""
    where, params = _year_filter("values.financial_year", financial_year)
    catalogue = {row["indicator_id"]: row for row in indicators()}

    def detail(row: dict) -> dict:
        entry = catalogue[row["indicator_id"]]
        return {
            **_place(row),
            "indicator_id": row["indicator_id"],
            "source": entry["source"],
            "numerator_measure": entry["numerator_measure"],
            "denominator_measure": entry["denominator_measure"],
            "numerator": row["numerator"],
            "denominator": row["denominator"],
            "problem": f"{_name(row['area_code'])} {row['financial_year']} {row['indicator_id']}: "
            f"{entry['numerator_measure']} ({row['numerator']:g}) is larger than "
            f"{entry['denominator_measure']} ({row['denominator']:g}) from {entry['source']}.",
        }

    return _outcome_from_query(
        connection,
        f"""select values.area_code, values.financial_year, values.indicator_id,
                   values.numerator, values.denominator
            from marts.fct_indicator_values as values
            where values.indicator_id in (select unnest(?::varchar[]))
                and values.numerator > values.denominator and {where}
            order by values.financial_year, values.indicator_id, values.area_code""",
        [_percent_indicators(), *params],
        detail,
        name="numerator_above_denominator",
        blocking=True,
        passed_summary="No percentage has a numerator above its denominator.",
        failed_summary="{n} percentage(s) have a numerator above the denominator.",
    )


def percentage_out_of_range(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Percentages lie within 0-100 (attrition ratios ATT_* excepted: they can exceed 100)."""
    where, params = _year_filter("financial_year", financial_year)
    catalogue = {row["indicator_id"]: row for row in indicators()}

    def detail(row: dict) -> dict:
        return {
            **_place(row),
            "indicator_id": row["indicator_id"],
            "source": catalogue[row["indicator_id"]]["source"],
            "value": row["value"],
            "problem": f"{_name(row['area_code'])} {row['financial_year']} {row['indicator_id']} is "
            f"{row['value']:.1f}%, outside 0-100 (source {catalogue[row['indicator_id']]['source']}).",
        }

    return _outcome_from_query(
        connection,
        f"""select area_code, financial_year, indicator_id, value
            from marts.fct_indicator_values
            where indicator_id in (select unnest(?::varchar[]))
                and (value < 0 or value > 100) and {where}
            order by financial_year, indicator_id, area_code""",
        [_percent_indicators(), *params],
        detail,
        name="percentage_out_of_range",
        blocking=True,
        passed_summary="Every percentage is within 0-100.",
        failed_summary="{n} percentage(s) outside 0-100.",
    )


# ---------------------------------------------------------------- warnings


def scotland_reconciliation(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Partner Scotland rows agree with the sum of their areas (warning: the partner's
    Scotland row stays the national figure)."""
    where, params = _year_filter("financial_year", financial_year)

    def detail(row: dict) -> dict:
        return {
            "area_code": SCOTLAND_CODE,
            "area": "Scotland",
            "financial_year": row["financial_year"],
            "source": row["partner_source"],
            "measure": row["measure"],
            "scotland_value": row["scotland_value"],
            "sum_of_areas": row["area_sum"],
            "file": row["scotland_file_name"],
            "sheet": row["scotland_sheet"],
            "cell": row["scotland_cell"],
            "problem": f"{row['partner_source']} {row['measure']} {row['financial_year']}: the Scotland row "
            f"({row['scotland_value']:g}, {row['scotland_file_name']} sheet {row['scotland_sheet']} cell "
            f"{row['scotland_cell']}) does not match the areas ({row['area_sum']:g}; rule: {row['rule_applied']}).",
        }

    return _outcome_from_query(
        connection,
        f"""select * from intermediate.int_scotland_reconciliation
            where reconciliation_status = 'mismatch' and {where}
            order by financial_year, partner_source, measure""",
        params,
        detail,
        name="scotland_reconciliation",
        blocking=False,
        passed_summary="Partner Scotland rows reconcile with their areas.",
        failed_summary="{n} partner Scotland row(s) do not reconcile with the sum of areas.",
    )


def year_on_year_jumps(connection: Connection, financial_year: str | None = None) -> CheckOutcome:
    """Values that change by more than JUMP_RELATIVE_CHANGE (50%) of the previous year's
    value on a base (count, or ratio numerator) of at least JUMP_MIN_BASE (20). Warning."""
    years = financial_years()
    previous = {year: years[i - 1] for i, year in enumerate(years) if i > 0}
    pairs = [(y, p) for y, p in previous.items() if financial_year is None or y == financial_year]
    if not pairs:
        return outcome(
            "year_on_year_jumps",
            blocking=False,
            details=[],
            passed_summary="No previous year to compare with.",
            failed_summary="",
        )

    def detail(row: dict) -> dict:
        return {
            **_place(row),
            "indicator_id": row["indicator_id"],
            "previous_year": row["previous_year"],
            "previous_value": row["previous_value"],
            "value": row["value"],
            "change_pct": round(100 * (row["value"] - row["previous_value"]) / abs(row["previous_value"]), 1),
            "problem": f"{_name(row['area_code'])} {row['indicator_id']} went from {row['previous_value']:,.1f} "
            f"({row['previous_year']}) to {row['value']:,.1f} ({row['financial_year']}), a change of "
            f"{100 * (row['value'] - row['previous_value']) / abs(row['previous_value']):+.0f}%: please confirm.",
        }

    return _outcome_from_query(
        connection,
        """select cur.area_code, cur.financial_year, cur.indicator_id, pairs.previous_year,
                  prev.value as previous_value, cur.value,
                  coalesce(prev.numerator, prev.value) as base
           from marts.fct_indicator_values as cur
           inner join (select unnest(?::varchar[]) as financial_year, unnest(?::varchar[]) as previous_year)
               as pairs on cur.financial_year = pairs.financial_year
           inner join marts.fct_indicator_values as prev
               on prev.area_code = cur.area_code and prev.indicator_id = cur.indicator_id
               and prev.financial_year = pairs.previous_year
           where cur.value is not null and prev.value is not null and prev.value <> 0
               and coalesce(prev.numerator, prev.value) >= ?
               and abs(cur.value - prev.value) / abs(prev.value) > ?
           order by cur.financial_year, cur.indicator_id, cur.area_code""",
        [[y for y, _ in pairs], [p for _, p in pairs], JUMP_MIN_BASE, JUMP_RELATIVE_CHANGE],
        detail,
        name="year_on_year_jumps",
        blocking=False,
        passed_summary="No implausible year-on-year jumps.",
        failed_summary="{n} value(s) changed by more than 50% on the previous year (base of 20 or more).",
    )


WAREHOUSE_CHECKS = (
    missing_returns,
    missing_local_evidence,
    partner_coverage,
    numerator_above_denominator,
    percentage_out_of_range,
    scotland_reconciliation,
    year_on_year_jumps,
)
