"""Write the version 1 template return (docs/data-contract.md section 2) with xlsxwriter.

The same writer makes the blank template areas download and, given content,
the filled sample returns the demo and tests use, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from cj_pipeline.lib.core.seeds import area_names, evidence_catalogue, local_measure_catalogue, outcomes
from cj_pipeline.lib.returns.layout import (
    ASSESSMENT,
    ASSESSMENT_COLUMNS,
    ASSESSMENTS,
    COVER,
    COVER_EDITABLE,
    COVER_LABELS,
    EVIDENCE,
    EVIDENCE_COLUMNS,
    EVIDENCE_STATUSES,
    GUIDANCE,
    HEADER_ROW,
    LOCAL_OUTCOME_COLUMNS,
    LOCAL_OUTCOME_INPUT_ROWS,
    LOCAL_OUTCOME_TYPES,
    LOCAL_OUTCOMES,
    MEASURE_COLUMNS,
    MEASURES,
    NATIONAL_OUTCOME_IDS,
    TEMPLATE_VERSION,
)


@dataclass
class ReturnContent:
    """What an area fills in. Missing keys stay blank in the workbook."""

    completed_by: str = ""
    email: str = ""
    date_completed: str = ""
    evidence: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (status, commentary)
    measures: dict[str, tuple[object, object, str]] = field(default_factory=dict)  # id -> (num, den, note)
    assessments: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # NO -> (assessment, actions, progress)
    local_outcomes: list[tuple[str, str, str, object, str, str]] = field(default_factory=list)


def _outcome_names() -> dict[str, str]:
    return {row["outcome_id"]: row["outcome_name"] for row in outcomes()}


def write_template(
    path: Path,
    area_code: str,
    financial_year: str,
    content: ReturnContent | None = None,
) -> Path:
    """Write a return workbook for one area and year; blank inputs when no content."""
    content = content or ReturnContent()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "note": workbook.add_format({"italic": True, "text_wrap": False}),
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "locked": workbook.add_format({"locked": True, "text_wrap": True, "valign": "top"}),
        "input": workbook.add_format({"locked": False, "bg_color": "#FFF2CC", "border": 1, "valign": "top"}),
    }
    names = area_names()
    outcome_names = _outcome_names()

    _write_cover(workbook, formats, names[area_code], financial_year, content)
    _write_evidence(workbook, formats, outcome_names, content)
    _write_measures(workbook, formats, content)
    _write_assessments(workbook, formats, outcome_names, content)
    _write_local_outcomes(workbook, formats, content)
    _write_guidance(workbook, formats)
    workbook.close()
    return path


def _sheet(workbook, formats, name: str, title: str, guidance: str):
    sheet = workbook.add_worksheet(name)
    sheet.write(0, 0, title, formats["title"])
    sheet.write(1, 0, guidance, formats["note"])
    # Protected without a password: stops accidental edits, not a security control.
    sheet.protect("", {"format_columns": True, "format_rows": True})
    return sheet


def _header(sheet, formats, columns, widths) -> None:
    for col, (name, width) in enumerate(zip(columns, widths, strict=True)):
        sheet.write(HEADER_ROW, col, name, formats["header"])
        sheet.set_column(col, col, width)
    sheet.freeze_panes(HEADER_ROW + 1, 0)


def _dropdown(sheet, first_row, last_row, col, choices) -> None:
    sheet.data_validation(
        first_row,
        col,
        last_row,
        col,
        {
            "validate": "list",
            "source": list(choices),
            "error_title": "Choose from the list",
            "error_message": "Pick one of: " + ", ".join(choices),
        },
    )


def _whole_number(sheet, first_row, last_row, first_col, last_col) -> None:
    sheet.data_validation(
        first_row,
        first_col,
        last_row,
        last_col,
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "ignore_blank": True,
            "error_title": "Whole number needed",
            "error_message": "Enter a whole number of 0 or more, or leave blank if not known.",
        },
    )


def _write_cover(workbook, formats, area_name, financial_year, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        COVER,
        "Community justice annual return",
        "Check the area and year, then fill in the yellow cells on every sheet.",
    )
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 40)
    values = (
        area_name,
        financial_year,
        content.completed_by,
        content.email,
        content.date_completed,
        TEMPLATE_VERSION,
    )
    for offset, (label, value) in enumerate(zip(COVER_LABELS, values, strict=True)):
        row = HEADER_ROW + offset
        sheet.write(row, 0, label, formats["header"])
        editable = label in COVER_EDITABLE
        sheet.write(row, 1, value, formats["input" if editable else "locked"])


def _write_evidence(workbook, formats, outcome_names, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        EVIDENCE,
        "Local supporting evidence",
        "Choose a Status for every statement and say what is in place in Commentary.",
    )
    _header(sheet, formats, EVIDENCE_COLUMNS, (12, 10, 70, 20, 50))
    catalogue = evidence_catalogue()
    for offset, item in enumerate(catalogue):
        row = HEADER_ROW + 1 + offset
        status, commentary = content.evidence.get(item["evidence_id"], ("", ""))
        sheet.write(row, 0, item["evidence_id"], formats["locked"])
        sheet.write(row, 1, item["outcome_id"], formats["locked"])
        sheet.write(row, 2, item["statement"], formats["locked"])
        sheet.write(row, 3, status, formats["input"])
        sheet.write(row, 4, commentary, formats["input"])
    _dropdown(sheet, HEADER_ROW + 1, HEADER_ROW + len(catalogue), 3, EVIDENCE_STATUSES)


def _write_measures(workbook, formats, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        MEASURES,
        "Local supporting measures",
        "Give the numerator and denominator as whole numbers; leave blank if not known.",
    )
    _header(sheet, formats, MEASURE_COLUMNS, (12, 60, 14, 14, 40))
    catalogue = local_measure_catalogue()
    for offset, item in enumerate(catalogue):
        row = HEADER_ROW + 1 + offset
        numerator, denominator, note = content.measures.get(item["measure_id"], (None, None, ""))
        sheet.write(row, 0, item["measure_id"], formats["locked"])
        sheet.write(row, 1, item["description"], formats["locked"])
        for col, value in ((2, numerator), (3, denominator)):
            if value is None or value == "":
                sheet.write_blank(row, col, None, formats["input"])
            else:
                sheet.write(row, col, value, formats["input"])
        sheet.write(row, 4, note, formats["input"])
    _whole_number(sheet, HEADER_ROW + 1, HEADER_ROW + len(catalogue), 2, 3)


def _write_assessments(workbook, formats, outcome_names, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        ASSESSMENT,
        "Section 23 assessment of the national outcomes",
        "For each outcome choose an Assessment, describe the actions taken, and the progress made where not achieved.",
    )
    _header(sheet, formats, ASSESSMENT_COLUMNS, (11, 60, 16, 50, 50))
    for offset, outcome_id in enumerate(NATIONAL_OUTCOME_IDS):
        row = HEADER_ROW + 1 + offset
        assessment, actions, progress = content.assessments.get(outcome_id, ("", "", ""))
        sheet.write(row, 0, outcome_id, formats["locked"])
        sheet.write(row, 1, outcome_names[outcome_id], formats["locked"])
        sheet.write(row, 2, assessment, formats["input"])
        sheet.write(row, 3, actions, formats["input"])
        sheet.write(row, 4, progress, formats["input"])
    _dropdown(sheet, HEADER_ROW + 1, HEADER_ROW + len(NATIONAL_OUTCOME_IDS), 2, ASSESSMENTS)


def _write_local_outcomes(workbook, formats, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        LOCAL_OUTCOMES,
        "Local outcomes, balancing measures and priority actions",
        "Add one row per local outcome or balancing measure from your improvement plan.",
    )
    _header(sheet, formats, LOCAL_OUTCOME_COLUMNS, (40, 40, 20, 12, 12, 50))
    rows = list(content.local_outcomes)
    for offset in range(max(LOCAL_OUTCOME_INPUT_ROWS, len(rows))):
        row = HEADER_ROW + 1 + offset
        values = rows[offset] if offset < len(rows) else ("",) * len(LOCAL_OUTCOME_COLUMNS)
        for col, value in enumerate(values):
            if value is None or value == "":
                sheet.write_blank(row, col, None, formats["input"])
            else:
                sheet.write(row, col, value, formats["input"])
    last = HEADER_ROW + max(LOCAL_OUTCOME_INPUT_ROWS, len(rows))
    _dropdown(sheet, HEADER_ROW + 1, last, 2, LOCAL_OUTCOME_TYPES)


GUIDANCE_LINES = (
    "How to complete this return",
    "1. Cover: the local authority and financial year are filled in for you. Add your name, email and the date.",
    "2. Local evidence: choose a Status for every statement (In place, Partially in place, Not in place, Not known).",
    "   'Not known' counts as missing evidence: say in Commentary what you are doing to find out.",
    "3. Local measures: give whole numbers. The numerator cannot be larger than the denominator.",
    "   Leave a cell empty if the figure is not available, or use [x] (not available), [c] (confidential).",
    "4. Outcome assessment: choose Achieved, Not achieved or Not assessed for every national outcome.",
    "   Actions taken is required for every outcome; Progress is required where the outcome was Not achieved.",
    "5. Local outcomes: one row per local outcome, balancing measure or priority action from your plan.",
    "6. Check the file with: cj-pipeline validate <file>. Then put it in the upload folder.",
)


def _write_guidance(workbook, formats) -> None:
    sheet = workbook.add_worksheet(GUIDANCE)
    sheet.set_column(0, 0, 120)
    for row, line in enumerate(GUIDANCE_LINES):
        sheet.write(row, 0, line, formats["title"] if row == 0 else None)
    sheet.protect("")
