"""A template sheet that is hidden is still read, but the sender is told.

Hidden (or "very hidden") sheets are read like any other, so a hidden Local measures
sheet is not lost; but what reviewers cannot see in Excel should not count silently.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.reader import ReturnFile

CODE = "hidden_sheet"
SEVERITY = WARNING
STAGE = "structure"
CHECKS = "Warns when a template sheet is hidden in Excel (it is still read)."


def check(ret: ReturnFile) -> list[Issue]:
    return [
        Issue(
            SEVERITY,
            CODE,
            f"The sheet '{name}' is hidden in Excel; it was read as it stands.",
            "Unhide it (right-click any sheet tab, then Unhide) so that what you send is what reviewers see, "
            "and check its contents.",
            sheet=name,
        )
        for name in ret.hidden_sheets
    ]
