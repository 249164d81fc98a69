"""Each sheet's header row holds every template column (CSV: the six CSV columns)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import CSV_COLUMNS, SECTION_COLUMNS
from cj_pipeline.lib.returns.reader import ReturnFile

CODE = "missing_columns"
SEVERITY = ERROR
STAGE = "structure"
CHECKS = "Each sheet has a header row with all its columns (order, extra columns and rows above do not matter)."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    if ret.missing_csv_columns:
        issues.append(
            Issue(
                SEVERITY,
                CODE,
                "The CSV is missing the column(s) " + ", ".join(f"'{c}'" for c in ret.missing_csv_columns) + ".",
                "The CSV return needs a header row with the columns " + ", ".join(CSV_COLUMNS) + ".",
            )
        )
    for section in ret.sections.values():
        if section.sheet is None or not section.missing_columns:
            continue
        missing = ", ".join(f"'{c}'" for c in section.missing_columns)
        issues.append(
            Issue(
                SEVERITY,
                CODE,
                f"Sheet '{section.sheet}' has no header row with the column(s) {missing}.",
                "Keep the template's header row: " + ", ".join(SECTION_COLUMNS[section.name]) + ". "
                "Columns can be moved and added, but not renamed or deleted.",
                sheet=section.sheet,
                cell=section.header_ref,
            )
        )
    return issues
