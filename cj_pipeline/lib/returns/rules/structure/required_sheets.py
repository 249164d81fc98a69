"""Every sheet of the template is present (found by name, any case)."""

from __future__ import annotations

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.returns.layout import REQUIRED_SHEETS
from cj_pipeline.lib.returns.reader import ReturnFile

CODE = "missing_sheet"
SEVERITY = ERROR
STAGE = "structure"
CHECKS = "The workbook has the sheets Cover, Local evidence, Local measures, Outcome assessment, Local outcomes."


def check(ret: ReturnFile) -> list[Issue]:
    if ret.file_format != "xlsx":
        return []
    return [
        Issue(
            SEVERITY,
            CODE,
            f"The workbook has no sheet called '{name}'.",
            "Use the template from `cj-pipeline template` and keep its sheet names "
            f"({', '.join(REQUIRED_SHEETS)}); rename the sheet back if it was renamed.",
            sheet=name,
        )
        for name in ret.missing_sheets
    ]
