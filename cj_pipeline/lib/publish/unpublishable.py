"""Values the publication cannot hold, found before anything is written.

Awkward text is never one of them (it is published as written, see safety.py). What a
spreadsheet really cannot hold is a text longer than a cell (32,767 characters): intake
refuses one (`cell_text_too_long`), but a warehouse built by an earlier version, or a
value that reached it another way, can still carry one. Publication then stops before it
writes anything and names, for each such value, the area, the return's file, sheet and
cell, and what the data team can do; it never cuts the text and never shows a traceback.
"""

from __future__ import annotations

from cj_pipeline.lib.publish.safety import XLSX_MAX_CHARS

# The area text published in the spreadsheet: (table in `release.load`, column, what a person calls it).
TEXT_FIELDS = {
    "local": ("outcome_type", "local_outcome", "metric", "unit", "commentary"),
    "assessments": ("assessment", "actions_taken", "progress"),
}


class Unpublishable(ValueError):
    """One or more values the publication cannot hold; the message says which and what to do."""

    def __init__(self, year: str, lines: list[str]) -> None:
        self.lines = lines
        super().__init__(
            f"{len(lines)} value(s) in the returns for {year} cannot be published, so nothing was published "
            "(the previous release, if any, is unchanged):\n"
            + "\n".join(f"- {line}" for line in lines)
            + "\nWhat to do: ask the area to shorten the text and send the corrected return (it replaces the "
            "current one when `cj-pipeline run` loads it), then publish again."
        )


def too_long(raw: dict, files: dict[str, str]) -> list[str]:
    """One plain line per area text longer than a spreadsheet cell holds."""
    areas = {a["area_code"]: a["area_name"] for a in raw["areas"]}
    lines = []
    for table, fields in TEXT_FIELDS.items():
        for row in raw[table]:
            for field in fields:
                text = row.get(field)
                if isinstance(text, str) and len(text) > XLSX_MAX_CHARS:
                    area, cell = row["area_code"], str(row["source_cell"] or "")
                    where = f"row {cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')} (cell {cell} and beside it)"
                    lines.append(
                        f"{areas.get(area, area)} ({area}), file {files.get(row['submission_id'], 'unknown')}, "
                        f"sheet {row['source_sheet']}, {where}: {field.replace('_', ' ').capitalize()} is "
                        f"{len(text):,} characters, longer than a spreadsheet cell holds ({XLSX_MAX_CHARS:,}); "
                        f"it starts {text[:40]!r}."
                    )
    return lines
