"""`cj-pipeline validate FILE [--json]`, the one-second check, kept light on purpose.

A council officer runs this on every save, so what they wait for is the whole process:
this module imports only the validator and the standard library (no typer, rich, duckdb
or xlsxwriter; measure with `python -X importtime`). `cj_pipeline.entry` sends plain
`validate` calls here before the full CLI is imported; the typer command calls the same
`run`, so both print the same. The text is a list, not a table: at 80 columns no sheet
name, cell or message is broken across lines mid-word.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

from cj_pipeline.lib.core.names import visible

WIDTH = 80


def _colour(text: str, code: str, stream) -> str:
    if os.environ.get("NO_COLOR") or not getattr(stream, "isatty", lambda: False)():
        return text
    return f"\033[1;{code}m{text}\033[0m"


def _wrapped(label: str, text: str) -> list[str]:
    indent = " " * (len(label) + 4)
    return textwrap.wrap(
        visible(text), WIDTH, initial_indent=f"    {label}", subsequent_indent=indent, break_long_words=False
    ) or [f"    {label}"]


def render(receipt: dict, stream=None) -> str:
    """A verdict line, a count, then one block per problem (errors first)."""
    stream = stream or sys.stdout
    accepted = receipt["status"] == "accepted"
    verdict = _colour(receipt["status"].upper(), "32" if accepted else "31", stream)
    where = " ".join(filter(None, [receipt.get("area_code"), receipt.get("financial_year")]))
    lines = [f"{verdict} {visible(receipt['file'])}" + (f" ({visible(where)})" if where else "")]
    issues = sorted(receipt["issues"], key=lambda i: i["severity"] != "error")
    if not issues:
        return "\n".join([*lines, "No problems found."]) + "\n"
    errors = sum(issue["severity"] == "error" for issue in issues)
    warnings = len(issues) - errors
    lines.append(f"{errors} error(s), {warnings} warning(s):")
    for issue in issues:
        place = ", ".join(filter(None, [issue.get("sheet") and f"sheet '{issue['sheet']}'", issue.get("cell")]))
        head = f"{issue['severity'].upper()} {place or 'the file'}"
        if issue.get("value") not in (None, ""):
            head += f", value '{issue['value']}'"
        lines += ["", *textwrap.wrap(visible(head), WIDTH, break_long_words=False)]
        lines += _wrapped("Problem:    ", str(issue["message"]))
        lines += _wrapped("What to do: ", str(issue["guidance"]))
    if errors:
        lines += ["", "Fix the errors above and check again; the file was not stored."]
    return "\n".join(lines) + "\n"


def validate(file: str | Path, as_json: bool = False) -> int:
    """Check one return and print its receipt; 0 if it would be accepted, else 1."""
    from cj_pipeline.lib.returns.validate import validate_file
    from cj_pipeline.settings import get_settings

    receipt = validate_file(Path(file), get_settings())
    sys.stdout.write(json.dumps(receipt, indent=2) + "\n" if as_json else render(receipt))
    return 0 if receipt["status"] == "accepted" else 1
