"""Old symbols (*, .., -, n/a) are read as today's markers, with a warning.

The GSS shorthand replaced them; they are still common in councils' own sheets.
"""

from __future__ import annotations

from cj_pipeline.lib.core.cells import LEGACY_MARKERS
from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import count_cells, issue

CODE = "legacy_marker"
SEVERITY = WARNING
STAGE = "content"
CHECKS = "Warns when Numerator or Denominator uses an old symbol (* .. - n/a); it is read as [c], [x] or [z]."


def check(ret: ReturnFile) -> list[Issue]:
    issues = []
    for label, cell in count_cells(ret):
        marker = LEGACY_MARKERS.get(cell.text.lower()) if isinstance(cell.value, str) else None
        if marker:
            issues.append(
                issue(
                    SEVERITY,
                    CODE,
                    cell,
                    f"{label}: '{cell.text}' is an old symbol, read as {marker}.",
                    f"Use {marker} instead next time: [c] confidential, [x] not available, [z] not applicable.",
                )
            )
    return issues
