"""`cj-pipeline chase`: which areas to chase for a financial year, for what, since when.

Reads `marts.fct_evidence_completeness` (what the current return lacks), `marts.dim_area`
and the raw intake tables (when files arrived, the Cover's contact email) over a
read-only connection. One row per local authority:

| status | when | since |
|---|---|---|
| `no return` | nothing received for the year | `never received` |
| `rejected` | only rejected returns | date the last rejected file arrived |
| `missing evidence` | evidence items with no status or 'Not known' | date the current return arrived |
| `missing narrative` | Actions taken / Progress not filled in | date the current return arrived |
| `missing evidence and narrative` | both | date the current return arrived |
| `complete` | nothing missing (counted, not chased) | date the current return arrived |
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.publish.safety import md, safe_cell_text

NO_RETURN = "no return"
REJECTED = "rejected"
MISSING_EVIDENCE = "missing evidence"
MISSING_NARRATIVE = "missing narrative"
MISSING_BOTH = "missing evidence and narrative"
COMPLETE = "complete"
STATUSES = (NO_RETURN, REJECTED, MISSING_EVIDENCE, MISSING_NARRATIVE, MISSING_BOTH, COMPLETE)
NEVER = "never received"
CSV_COLUMNS = ("area_code", "area_name", "status", "missing", "since", "contact_email")


@dataclass(frozen=True)
class ChaseRow:
    area_code: str
    area_name: str
    status: str
    missing: str
    since: str
    contact_email: str


_QUERY = """
with
areas as (
    select area_code, area_name from marts.dim_area where area_type = 'local_authority'
),
completeness as (
    select * from marts.fct_evidence_completeness where financial_year = $year
),
returns as (
    select * from raw.submissions where kind = 'return' and financial_year = $year
),
last_rejected as (
    select area_code, max(received_at) as received_at,
           arg_max(original_name, arrival_seq) as file_name,
           arg_max(error_count, arrival_seq) as error_count
    from returns where status = 'rejected' and area_code is not null
    group by area_code
),
current_return as (
    select area_code, arg_max(received_at, arrival_seq) as received_at,
           arg_max(submission_id, arrival_seq) as submission_id
    from returns where status = 'accepted'
    group by area_code
),
contact as (  -- the Cover of the area's latest accepted return, any year
    select submissions.area_code, arg_max(cover.email, submissions.arrival_seq) as email
    from raw.return_cover as cover
    join raw.submissions as submissions using (submission_id)
    where cover.email is not null
    group by submissions.area_code
)
select
    areas.area_code, areas.area_name,
    coalesce(completeness.return_status, case when last_rejected.area_code is not null
                                              then 'rejected' else 'missing' end) as return_status,
    coalesce(completeness.missing_items, '') as missing_items,
    last_rejected.received_at as rejected_at, last_rejected.file_name as rejected_file,
    last_rejected.error_count as rejected_errors,
    current_return.received_at as returned_at,
    contact.email,
    current_return.submission_id as current_submission_id
from areas
left join completeness using (area_code)
left join last_rejected using (area_code)
left join current_return using (area_code)
left join contact using (area_code)
order by areas.area_code
"""


def _date(value: object) -> str:
    return str(value)[:10] if value is not None else ""


def classify(return_status: str, missing_items: str) -> str:
    """The chase status of one area from its completeness row."""
    if return_status == "missing":
        return NO_RETURN
    if return_status == "rejected":
        return REJECTED
    items = [item for item in missing_items.split("; ") if item]
    evidence = any(" evidence " in f"{item} " for item in items)
    narrative = any(item.endswith(("actions taken", "progress")) for item in items)
    if evidence and narrative:
        return MISSING_BOTH
    if evidence:
        return MISSING_EVIDENCE
    if narrative:
        return MISSING_NARRATIVE
    return COMPLETE


@dataclass(frozen=True)
class AreaYear:
    """What chase knows of one area's year: its chase row and the current return (if any).
    The chase list and the areas' status pages (area_status.py) are both made from these."""

    row: ChaseRow
    current_submission_id: str | None

    @property
    def missing_items(self) -> list[str]:
        """The items the gate waits for (empty unless the return is in but incomplete)."""
        if self.row.status in (NO_RETURN, REJECTED, COMPLETE):
            return []
        return [item for item in self.row.missing.split("; ") if item]


def area_years(connection: duckdb.DuckDBPyConnection, financial_year: str) -> list[AreaYear]:
    """Every local authority's chase facts for the year."""
    facts = []
    for (
        area_code,
        area_name,
        return_status,
        missing_items,
        rejected_at,
        rejected_file,
        rejected_errors,
        returned_at,
        email,
        current_submission_id,
    ) in connection.execute(_QUERY, {"year": financial_year}).fetchall():
        status = classify(return_status, missing_items)
        if status == NO_RETURN:
            missing, since = "No return received", NEVER
        elif status == REJECTED:
            missing = f"Return rejected ({rejected_file}, {rejected_errors} error(s)): see its receipt and resend"
            since = _date(rejected_at)
        else:
            missing, since = missing_items, _date(returned_at)
        row = ChaseRow(area_code, area_name, status, missing, since, email or "")
        facts.append(AreaYear(row, current_submission_id))
    return facts


def chase_rows(
    connection: duckdb.DuckDBPyConnection, financial_year: str, include_complete: bool = False
) -> list[ChaseRow]:
    """One row per local authority still to chase for the year (all 32 with include_complete)."""
    return [
        fact.row for fact in area_years(connection, financial_year) if fact.row.status != COMPLETE or include_complete
    ]


def chase_list(warehouse_path: Path, financial_year: str, include_complete: bool = False) -> list[ChaseRow]:
    with connect(warehouse_path, read_only=True) as connection:
        return chase_rows(connection, financial_year, include_complete)


def status_counts(rows: list[ChaseRow]) -> dict[str, int]:
    """Areas per status, every status named (0 when none)."""
    counts = Counter(row.status for row in rows)
    return {status: counts.get(status, 0) for status in STATUSES}


def write_csv(rows: list[ChaseRow], path: Path) -> Path:
    """The mail-merge file: area_code, area_name, status, missing, since, contact_email."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        # A mail-merge file opens in Excel: every value neutralised (publish/safety.py).
        writer.writerows({k: safe_cell_text(v, "csv") for k, v in asdict(row).items()} for row in rows)
    return path


def markdown_table(rows: list[ChaseRow]) -> str:
    """The chase list as a markdown table (Dagster metadata)."""

    def cell(text: str) -> str:
        return md(text)  # no links, images or HTML from a return (publish/safety.py)

    lines = ["| area | status | missing | since | contact |", "|---|---|---|---|---|"]
    lines += [
        f"| {cell(r.area_name)} ({cell(r.area_code)}) | {cell(r.status)} | {cell(r.missing)} | {cell(r.since)} | "
        f"{cell(r.contact_email)} |"
        for r in rows
        if r.status != COMPLETE
    ]
    return "\n".join(lines) if len(lines) > 2 else "Nothing to chase: every area's return is in and complete."
