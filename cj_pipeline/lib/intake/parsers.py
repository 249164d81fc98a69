"""The two parser adapters intake calls: a local area return and a national partner table.
Each turns an arrival's bytes into a ParseOutcome (status, issues, raw-table rows, summary)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.problems import Issue
from cj_pipeline.lib.intake.discovery import ReceivedFile, folder_area
from cj_pipeline.lib.partners.read import read_partner_file
from cj_pipeline.lib.returns.validate import return_rows, validate_bytes
from cj_pipeline.settings import Settings


@dataclass
class ParseOutcome:
    status: str  # "accepted" or "rejected"
    issues: list[Issue]
    tables: dict[str, list[dict]] = field(default_factory=dict)  # raw table -> rows
    area_code: str | None = None
    financial_year: str | None = None
    summary: dict = field(default_factory=dict)


Parser = Callable[[bytes, ReceivedFile, Settings], ParseOutcome]


def parse_partner_submission(data: bytes, received: ReceivedFile, settings: Settings) -> ParseOutcome:
    """A national partner table: read by the recipes of its source that name the file, else by the
    two built-in layouts of the data contract (partners/read.py); loaded whole or not at all."""
    reading = read_partner_file(data, received.path.name, received.source or "", settings)
    return ParseOutcome(
        status="accepted" if reading.accepted else "rejected",
        issues=reading.issues,
        tables={"partner_values": reading.rows() if reading.accepted else []},
        summary=reading.summary(),
    )


def parse_return_submission(data: bytes, received: ReceivedFile, settings: Settings) -> ParseOutcome:
    """A local area return: validated by the rules in returns/rules, rows for the raw return_* tables."""
    expected_area, folder_issues = folder_area(received, settings)
    result = validate_bytes(data, received.path.name, settings, expected_area=expected_area)
    issues = folder_issues + result.issues
    accepted = result.accepted and not folder_issues
    tables = return_rows(result) if accepted else {}
    summary = {}
    if accepted:
        summary = {
            "evidence_items": len(tables["return_evidence"]),
            "measures": len(tables["return_measures"]),
            "outcomes_assessed": len(tables["return_assessments"]),
            "local_outcomes": len(tables["return_local_outcomes"]),
        }
    return ParseOutcome(
        status="accepted" if accepted else "rejected",
        issues=issues,
        tables=tables,
        area_code=result.area_code,
        financial_year=result.financial_year,
        summary=summary,
    )


PARSERS: dict[str, Parser] = {PARTNER: parse_partner_submission, RETURN: parse_return_submission}
