"""Validate a local area return: open, read, run the rules in stages, make a receipt.

The same function serves `cj-pipeline validate`, intake of uploads and the
tests. Stages follow DfE's screener: the file must open, then the structure
(sheets and header rows) must be there, then the content rules run. A stage
with an error stops the later ones, so a missing sheet is one clear problem
rather than fifty consequences of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.cells import NumericCell, parse_numeric
from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.core.workbook import open_table_file
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.returns.layout import (
    AREA_LABEL,
    ASSESSMENT,
    ASSESSMENTS,
    COVER,
    EVIDENCE,
    EVIDENCE_STATUSES,
    LOCAL_OUTCOME_TYPES,
    LOCAL_OUTCOMES,
    MEASURES,
    YEAR_LABEL,
)
from cj_pipeline.lib.returns.reader import Cell, ReturnFile, read_return
from cj_pipeline.lib.returns.rules import STAGES, rules_in_stage
from cj_pipeline.lib.returns.rules._helpers import canonical_choice
from cj_pipeline.settings import Settings, get_settings

ACCEPTED = "accepted"
REJECTED = "rejected"


@dataclass
class ReturnValidation:
    status: str
    issues: list[Issue] = field(default_factory=list)
    area_code: str | None = None
    financial_year: str | None = None
    parsed: ReturnFile | None = None

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


def _resolved(cell: Cell, normalise) -> str | None:
    try:
        return normalise(cell.value)
    except CellProblem:
        return None


def _folder_issue(expected_area: str, area_code: str | None, cell: Cell) -> list[Issue]:
    """A return dropped in raw/uploads/<GSS code>/ must be for that area."""
    if area_code is None or area_code == expected_area:
        return []
    return [
        Issue(
            ERROR,
            "wrong_area_folder",
            f"The Cover says '{cell.text}' ({area_code}) but the file was put in the folder for {expected_area}.",
            f"Put the return in the folder of the area it is for (raw/uploads/{area_code}/), or correct the Cover.",
            sheet=COVER,
            cell=cell.ref,
            value=cell.text,
        )
    ]


def validate_bytes(
    data: bytes, file_name: str, settings: Settings, expected_area: str | None = None
) -> ReturnValidation:
    """Check one return given its bytes; never raises for a bad file."""
    opened = open_table_file(data, file_name, settings)
    if not opened.ok:
        return ReturnValidation(REJECTED, list(opened.issues))
    parsed = read_return(opened, file_name)
    issues: list[Issue] = list(opened.issues)
    for stage in STAGES:
        for rule in rules_in_stage(stage):
            issues.extend(rule.check(parsed))
        if any(issue.severity == ERROR for issue in issues):
            break
    area_cell, year_cell = parsed.cover_cell(AREA_LABEL), parsed.cover_cell(YEAR_LABEL)
    area_code, year = _resolved(area_cell, normalise_area), _resolved(year_cell, normalise_year)
    if expected_area:
        issues.extend(_folder_issue(expected_area, area_code, area_cell))
    status = REJECTED if any(issue.severity == ERROR for issue in issues) else ACCEPTED
    return ReturnValidation(status, issues, area_code, year, parsed)


def validate_file(path: str | Path, settings: Settings | None = None) -> dict:
    """The JSON receipt (docs/data-contract.md section 6) for one file, without storing it."""
    path = Path(path)
    settings = settings or get_settings()
    try:
        data = path.read_bytes()
    except OSError as exc:
        data = b""
        result = ReturnValidation(
            REJECTED,
            [
                Issue(
                    ERROR,
                    "unreadable_file",
                    f"The file could not be read ({exc.strerror or type(exc).__name__}).",
                    "Check the path and that the file is not open elsewhere, then try again.",
                )
            ],
        )
    else:
        result = validate_bytes(data, path.name, settings)
    return {
        "file": path.name,
        "sha256": sha256_bytes(data),
        "status": result.status,
        "area_code": result.area_code,
        "financial_year": result.financial_year,
        "issues": [issue.to_dict() for issue in result.issues],
    }


def _number(cell: Cell) -> NumericCell:
    try:
        return parse_numeric(cell.value)
    except CellProblem:
        return NumericCell(None, None)


def _cover_rows(parsed: ReturnFile, keys: dict) -> list[dict]:
    area_cell = parsed.cover_cell(AREA_LABEL)
    return [
        {
            **keys,
            "area_text": area_cell.text,
            "year_text": parsed.cover_cell(YEAR_LABEL).text,
            "completed_by": parsed.cover_cell("Completed by").text or None,
            "email": parsed.cover_cell("Email").text or None,
            "date_completed": parsed.cover_cell("Date completed").text or None,
            "template_version": parsed.cover_cell("Template version").text or None,
            "file_format": parsed.file_format,
            "sheet": area_cell.sheet,
            "cell": area_cell.ref,
            "completed_by_cell": parsed.cover_cell("Completed by").ref,
            "email_cell": parsed.cover_cell("Email").ref,
            "date_completed_cell": parsed.cover_cell("Date completed").ref,
            "template_version_cell": parsed.cover_cell("Template version").ref,
        }
    ]


def _evidence_rows(parsed: ReturnFile, keys: dict) -> list[dict]:
    return [
        {
            **keys,
            "evidence_id": r["Evidence ID"].text.upper(),
            "outcome_id": r["Outcome"].text or None,
            "status": canonical_choice(r["Status"], EVIDENCE_STATUSES),
            "commentary": r["Commentary"].text or None,
            "sheet": r["Status"].sheet,
            "cell": r["Status"].ref,
            "commentary_cell": r["Commentary"].ref,
        }
        for r in parsed.sections[EVIDENCE].records
    ]


def _measure_rows(parsed: ReturnFile, keys: dict) -> list[dict]:
    rows = []
    for r in parsed.sections[MEASURES].records:
        num, den = _number(r["Numerator"]), _number(r["Denominator"])
        rows.append(
            {
                **keys,
                "measure_id": r["Measure ID"].text.upper(),
                "numerator": num.value,
                "numerator_marker": num.marker,
                "numerator_text": r["Numerator"].text or None,
                "denominator": den.value,
                "denominator_marker": den.marker,
                "denominator_text": r["Denominator"].text or None,
                "note": r["Note"].text or None,
                "sheet": r["Numerator"].sheet,
                "numerator_cell": r["Numerator"].ref,
                "denominator_cell": r["Denominator"].ref,
                "note_cell": r["Note"].ref,
            }
        )
    return rows


def _assessment_rows(parsed: ReturnFile, keys: dict) -> list[dict]:
    return [
        {
            **keys,
            "outcome_id": r["Outcome ID"].text.upper(),
            "assessment": canonical_choice(r["Assessment"], ASSESSMENTS),
            "actions_taken": r["Actions taken"].text or None,
            "progress": r["Progress"].text or None,
            "sheet": r["Assessment"].sheet,
            "cell": r["Assessment"].ref,
            "actions_taken_cell": r["Actions taken"].ref,
            "progress_cell": r["Progress"].ref,
        }
        for r in parsed.sections[ASSESSMENT].records
    ]


def _local_outcome_rows(parsed: ReturnFile, keys: dict) -> list[dict]:
    rows = []
    for row_number, r in enumerate(parsed.sections[LOCAL_OUTCOMES].records, start=1):
        value = _number(r["Value"])
        rows.append(
            {
                **keys,
                "row_number": row_number,
                "local_outcome": r["Local outcome"].text or None,
                "metric": r["Metric"].text or None,
                "outcome_type": canonical_choice(r["Type"], LOCAL_OUTCOME_TYPES),
                "value": value.value,
                "value_marker": value.marker,
                "value_text": r["Value"].text or None,
                "unit": r["Unit"].text or None,
                "commentary": r["Commentary"].text or None,
                "sheet": r["Type"].sheet,
                "cell": r["Type"].ref,
                "value_cell": r["Value"].ref,
                "unit_cell": r["Unit"].ref,
                "commentary_cell": r["Commentary"].ref,
            }
        )
    return rows


def return_rows(result: ReturnValidation) -> dict[str, list[dict]]:
    """Rows for the raw return_* tables from an accepted return, each with its sheet and the cell
    of every field (layout.RETURN_FIELDS names which column holds which field's cell)."""
    parsed = result.parsed
    assert parsed is not None and result.accepted, "rows come only from accepted returns"
    keys = {"area_code": result.area_code, "financial_year": result.financial_year}
    return {
        "return_cover": _cover_rows(parsed, keys),
        "return_evidence": _evidence_rows(parsed, keys),
        "return_measures": _measure_rows(parsed, keys),
        "return_assessments": _assessment_rows(parsed, keys),
        "return_local_outcomes": _local_outcome_rows(parsed, keys),
    }
