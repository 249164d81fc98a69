"""Write the version 1 template return (docs/data-contract.md section 2) with xlsxwriter.

The same writer makes the blank template areas download and, given content,
the filled sample returns the demo and tests use, so the two cannot drift.

The Guidance sheet comes first (and the Cover links to it). What the guidance
allows in a count cell, the cell's data validation allows (`count_cell_rule`) and
the validator accepts (`core/cells.parse_count`, rules/measures): a whole number,
a marker in place of a number ([c], [x], [z], [low]) or a number followed by a
marker ([p], [r], [e], [u], [b]). Row heights are set from the text they hold,
because neither Excel nor LibreOffice grows a row for wrapped text written by
a program, and text that does not fit otherwise runs over the next rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from cj_pipeline.lib.core.problems import column_letter
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
    # What an area wrote is text (links are written with write_url): never read as a formula or URL.
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "note": workbook.add_format({"italic": True, "text_wrap": False}),
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "locked": workbook.add_format({"locked": True, "text_wrap": True, "valign": "top"}),
        "input": workbook.add_format(
            {"locked": False, "bg_color": "#FFF2CC", "border": 1, "valign": "top", "text_wrap": True}
        ),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "link": workbook.add_format({"font_color": "#0563C1", "underline": 1, "bold": True}),
    }
    names = area_names()
    outcome_names = _outcome_names()

    _write_guidance(workbook, formats)
    _write_cover(workbook, formats, names[area_code], financial_year, content)
    _write_evidence(workbook, formats, outcome_names, content)
    _write_measures(workbook, formats, content)
    _write_assessments(workbook, formats, outcome_names, content)
    _write_local_outcomes(workbook, formats, content)
    workbook.close()
    return path


def _sheet(workbook, formats, name: str, title: str, guidance: str):
    sheet = workbook.add_worksheet(name)
    sheet.write(0, 0, title, formats["title"])
    sheet.write(1, 0, guidance, formats["note"])
    # Protected without a password: stops accidental edits, not a security control.
    sheet.protect("", {"format_columns": True, "format_rows": True})
    return sheet


def _lines(text: object, width: float) -> int:
    """How many lines `text` takes in a wrapped cell `width` characters wide (a generous guess:
    Calibri 11 fits about 1.1 average characters per unit of width; explicit newlines count)."""
    if text is None or text == "":
        return 1
    per_line = max(1, int(width * 1.1) - 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _fit_row(sheet, row: int, cells: list[tuple[object, float]]) -> None:
    """Set a row's height to show every wrapped cell in it: cells are (text, column width)."""
    lines = max(_lines(text, width) for text, width in cells)
    if lines > 1:
        sheet.set_row(row, 15 * lines + 3)


def _header(sheet, formats, columns, widths) -> None:
    for col, (name, width) in enumerate(zip(columns, widths, strict=True)):
        sheet.write(HEADER_ROW, col, name, formats["header"])
        sheet.set_column(col, col, width)
    _fit_row(sheet, HEADER_ROW, list(zip(columns, widths, strict=True)))
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


# What a count cell may hold, in the words the Guidance sheet and the error message use.
COUNT_CELL_HELP = (
    "Enter a whole number (0 or more), or a marker instead of a number: [x] not available, "
    "[c] confidential, [z] not applicable, [low] rounds to zero. A number may be followed by "
    "[p] provisional, [r] revised, [e] estimate, [u] low reliability or [b] break in series, "
    "for example 40 [e]. Leave the cell empty if the figure is missing."
)
# The same, within Excel's 255 characters for a validation message.
COUNT_CELL_ERROR = (
    "Enter a whole number (0 or more), or a marker: [x] not available, [c] confidential, [z] not applicable, "
    "[low] rounds to zero; or a number then [p], [r], [e], [u] or [b], e.g. 40 [e]. See Guidance."
)
COUNT_STANDALONE_MARKERS = ("[c]", "[x]", "[z]", "[low]")
COUNT_QUALIFYING_MARKERS = ("[p]", "[r]", "[e]", "[u]", "[b]")


def count_cell_rule(ref: str) -> str:
    """The custom data-validation formula for a count cell at `ref` (relative, e.g. 'C5'):
    true for a whole number >= 0, a marker in place of a number, or a number followed by a
    qualifying marker. Every part is wrapped in IFERROR because a text value makes the number
    tests error, and an error anywhere in OR() would reject the cell. Kept under Excel's
    255-character limit for validation formulas; works the same in LibreOffice Calc."""
    standalone = "|" + "|".join(COUNT_STANDALONE_MARKERS) + "|"
    qualifying = "|" + "|".join(COUNT_QUALIFYING_MARKERS) + "|"
    number = f"TRIM(LEFT({ref},LEN({ref})-3))"
    return (
        f"OR(IFERROR(AND(--{ref}>=0,MOD({ref},1)=0),FALSE),"
        f'ISNUMBER(FIND("|"&LOWER({ref})&"|","{standalone}")),'
        f'IFERROR(AND(FIND("|"&LOWER(RIGHT({ref},3))&"|","{qualifying}"),--{number}>=0,MOD({number},1)=0),FALSE))'
    )


def _count_cells(sheet, first_row, last_row, first_col, last_col) -> None:
    sheet.data_validation(
        first_row,
        first_col,
        last_row,
        last_col,
        {
            "validate": "custom",
            "value": "=" + count_cell_rule(f"{column_letter(first_col)}{first_row + 1}"),
            "ignore_blank": True,
            "input_title": "A count or a marker",
            "input_message": "A whole number, [x], [c], [z], [low], or a number with a marker such as 40 [e].",
            "error_title": "A whole number or a marker",
            "error_message": COUNT_CELL_ERROR,
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
    sheet.set_column(1, 1, 48)
    sheet.write_url(
        2, 0, f"internal:'{GUIDANCE}'!A1", formats["link"], string="How to fill in this return: see Guidance"
    )
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
        _fit_row(sheet, row, [(item["statement"], 70), (commentary, 50)])
    _dropdown(sheet, HEADER_ROW + 1, HEADER_ROW + len(catalogue), 3, EVIDENCE_STATUSES)


def _write_measures(workbook, formats, content) -> None:
    sheet = _sheet(
        workbook,
        formats,
        MEASURES,
        "Local supporting measures",
        "Give the numerator and denominator as whole numbers, or a marker: see Guidance.",
    )
    _header(sheet, formats, MEASURE_COLUMNS, (12, 60, 14, 14, 40))
    catalogue = local_measure_catalogue()
    for offset, item in enumerate(catalogue):
        row = HEADER_ROW + 1 + offset
        numerator, denominator, note = content.measures.get(item["measure_id"], (None, None, ""))
        sheet.write(row, 0, item["measure_id"], formats["locked"])
        measure = (
            f"{item['description']}\nNumerator: {item['numerator_label']}\nDenominator: {item['denominator_label']}"
        )
        sheet.write(row, 1, measure, formats["locked"])
        _fit_row(sheet, row, [(measure, 60), (note, 40)])
        for col, value in ((2, numerator), (3, denominator)):
            if value is None or value == "":
                sheet.write_blank(row, col, None, formats["input"])
            else:
                sheet.write(row, col, value, formats["input"])
        sheet.write(row, 4, note, formats["input"])
    _count_cells(sheet, HEADER_ROW + 1, HEADER_ROW + len(catalogue), 2, 3)


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
        _fit_row(sheet, row, [(outcome_names[outcome_id], 60), (actions, 50), (progress, 50)])
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
        _fit_row(sheet, row, [(value, width) for value, width in zip(values, (40, 40, 20, 12, 12, 50), strict=False)])
    last = HEADER_ROW + max(LOCAL_OUTCOME_INPUT_ROWS, len(rows))
    _dropdown(sheet, HEADER_ROW + 1, last, 2, LOCAL_OUTCOME_TYPES)


GUIDANCE_LINES = (
    "How to complete this return",
    "1. Cover: the local authority and financial year are filled in for you. Add your name, email and the date.",
    "2. Local evidence: choose a Status for every statement (In place, Partially in place, Not in place, Not known). "
    "'Not known' or an empty Status counts as missing evidence: the return is accepted, but the year's publication "
    "waits until it is given. Say in Commentary what you are doing to find out.",
    "3. Local measures: each measure says what its Numerator and Denominator count. The numerator cannot be larger "
    "than the denominator. " + COUNT_CELL_HELP,
    "4. Outcome assessment: choose Achieved, Not achieved or Not assessed for every national outcome. Actions taken "
    "is needed for every outcome, and Progress where the outcome was Not achieved: without them the return is "
    "accepted, but the year's publication waits for them.",
    "5. Local outcomes: one row per local outcome, balancing measure or priority action from your plan.",
    "6. Check the file with: cj-pipeline validate <file>. Then put it in the upload folder.",
)
GUIDANCE_WIDTH = 110


def _write_guidance(workbook, formats) -> None:
    sheet = workbook.add_worksheet(GUIDANCE)
    sheet.set_column(0, 0, GUIDANCE_WIDTH)
    for row, line in enumerate(GUIDANCE_LINES):
        sheet.write(row, 0, line, formats["title"] if row == 0 else formats["wrap"])
        if row:
            _fit_row(sheet, row, [(line, GUIDANCE_WIDTH)])
    sheet.write_url(
        len(GUIDANCE_LINES) + 1, 0, f"internal:'{COVER}'!A1", formats["link"], string="Start with the Cover"
    )
    sheet.protect("")
