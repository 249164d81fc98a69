"""`cj-pipeline explain`: where one published figure came from.

Reads `marts.fct_indicator_lineage` (one row per indicator value x input role) over a
read-only connection and returns the value, its numerator, denominator and marker, and for
each input the source, file name, sha256 (the archive object), sheet, cell, when it
arrived and whether it superseded an earlier version.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.db import connect, fetch_dicts
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.years import normalise_year
from cj_pipeline.lib.intake.changes import figure

LINEAGE = "marts.fct_indicator_lineage"

INPUT_COLUMNS = (
    "input_role",
    "measure",
    "input_value",
    "input_marker",
    "input_source",
    "file_name",
    "sha256",
    "source_sheet",
    "source_cell",
    "source_text",
    "received_at",
    "submission_id",
    "supersedes_earlier",
    "superseded_submission_id",
    "superseded_value",
    "superseded_marker",
    "derivation",
)


class ExplainError(Exception):
    """Something the user asked for that the warehouse cannot explain; the message says why."""


def _json_safe(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def explain(warehouse_path: Path, area: str, year: str, indicator: str) -> dict:
    """The figure for one area x year x indicator with the lineage of each input."""
    try:
        area_code = normalise_area(area)
        financial_year = normalise_year(year)
    except CellProblem as problem:
        raise ExplainError(f"{problem.message} {problem.guidance}") from problem
    if not Path(warehouse_path).exists():
        raise ExplainError(f"No warehouse at {warehouse_path}: run `cj-pipeline run` first.")
    with connect(Path(warehouse_path), read_only=True) as connection:
        known = [r[0] for r in connection.execute(f"SELECT DISTINCT indicator_id FROM {LINEAGE}").fetchall()]
        indicator_id = next((i for i in known if i.casefold() == indicator.strip().casefold()), None)
        if indicator_id is None:
            close = difflib.get_close_matches(indicator.strip().upper(), known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ExplainError(f"'{indicator}' is not an indicator id.{hint}")
        rows = fetch_dicts(
            connection,
            f"SELECT * FROM {LINEAGE} WHERE area_code = ? AND financial_year = ? AND indicator_id = ? "
            "ORDER BY input_role DESC",  # numerator first
            [area_code, financial_year, indicator_id],
        )
    if not rows:
        raise ExplainError(f"No {indicator_id} figure for {area_code} in {financial_year}.")
    first = rows[0]
    return {
        "area_code": first["area_code"],
        "area_name": first["area_name"],
        "financial_year": first["financial_year"],
        "indicator_id": first["indicator_id"],
        "value": first["value"],
        "numerator": first["numerator"],
        "denominator": first["denominator"],
        "marker": first["marker"],
        "inputs": [{column: _json_safe(row[column]) for column in INPUT_COLUMNS} for row in rows],
    }


def input_lines(item: dict) -> list[str]:
    """Plain lines describing one input, for the terminal."""
    shown = figure(item["input_value"], item["input_marker"]) or "no value received"
    lines = [f"{item['input_role'].capitalize()}: {item['measure']} = {shown}"]
    if item["derivation"] and not item["sha256"]:
        lines.append(f"  derived: {item['derivation']} (no single cell; source {item['input_source']})")
        return lines
    if item["derivation"]:  # a count derived from one published figure: its cell is shown below
        lines.append(f"  derived: {item['derivation']}")
    if not item["sha256"]:
        lines.append("  no file holds this value for this area and year")
        return lines
    lines += [
        f"  source:   {item['input_source']}",
        f"  file:     {item['file_name']}",
        f"  sha256:   {item['sha256']}  (archive/objects/{item['sha256'][:2]}/{item['sha256']})",
        f"  cell:     sheet '{item['source_sheet']}' {item['source_cell']}"
        + (f" (written '{item['source_text']}')" if item["source_text"] else ""),
        f"  received: {item['received_at']}",
    ]
    if item["derivation"]:
        return lines
    if item["supersedes_earlier"]:
        earlier = figure(item["superseded_value"], item["superseded_marker"]) or "blank"
        lines.append(f"  superseded: yes, replaced {earlier} of submission {item['superseded_submission_id']}")
    else:
        lines.append("  superseded: no, the first value received")
    return lines
