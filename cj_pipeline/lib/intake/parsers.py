"""The two parser adapters intake calls: a local area return and a national partner table.
Each turns an arrival's bytes into a ParseOutcome (status, issues, raw-table rows, summary)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.problems import Issue
from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.workbook import open_table_file
from cj_pipeline.lib.intake.discovery import ReceivedFile, folder_area
from cj_pipeline.lib.partners.parse import parse_partner_file
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
    opened = open_table_file(data, received.path.name, settings)
    parsed = parse_partner_file(opened, received.source or "", received.path.name)
    rows = [value.__dict__ for value in parsed.values] if parsed.accepted else []
    markers = Counter(v.marker for v in parsed.values if v.marker)
    summary = {}
    if parsed.values:
        summary = {
            "source": received.source,
            "tables_read": ", ".join(parsed.tables_read),
            "rows_read": len(parsed.values),
            "rows_loaded": len(rows),  # 0 when rejected: a partner file is loaded whole or not at all
            "empty_cells": parsed.empty_cells,
            "areas": len({v.area_code for v in parsed.values if v.area_code != SCOTLAND_CODE}),
            "scotland_row": "yes" if any(v.area_code == SCOTLAND_CODE for v in parsed.values) else "no",
            "years": ", ".join(sorted({v.financial_year for v in parsed.values})),
            "measures": ", ".join(sorted({v.measure for v in parsed.values})),
            "markers": ", ".join(f"{m} x{n}" for m, n in sorted(markers.items())) or "none",
        }
    return ParseOutcome(
        status="accepted" if parsed.accepted else "rejected",
        issues=parsed.issues,
        tables={"partner_values": rows},
        summary=summary,
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
