"""Each area's status pages, outbox/<GSS code>/status.html and status.txt (area_status.py says
what they hold). Written whole (a reader never sees half a page) after every run and every
check on arrival; area text is data: HTML-escaped by Jinja2's autoescape, and control
characters shown as \\uXXXX in the text page.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import duckdb
import jinja2

from cj_pipeline.lib.core.atomic import write_all
from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.names import visible
from cj_pipeline.lib.core.templating import compiled_templates
from cj_pipeline.lib.reporting import chase
from cj_pipeline.lib.reporting.area_status import AreaStatus, YearStatus, area_statuses
from cj_pipeline.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
UPLOAD = "put it in your upload folder"
WIDTH = 80
LABELS = {
    chase.NO_RETURN: "no return has been received",
    chase.REJECTED: "the return was rejected",
    chase.MISSING_EVIDENCE: "evidence items are missing or not known",
    chase.MISSING_NARRATIVE: "actions taken or progress are not filled in",
    chase.MISSING_BOTH: "evidence items are missing, and actions taken or progress are not filled in",
    chase.COMPLETE: "complete",
}
CLEARS = {
    chase.NO_RETURN: f"send this year's return: {UPLOAD}. It clears once the return is accepted.",
    chase.REJECTED: f"put right the errors its receipt lists and {UPLOAD} again. It clears once accepted.",
    chase.MISSING_EVIDENCE: f"fill in the cells listed below and {UPLOAD} again.",
    chase.MISSING_NARRATIVE: f"fill in the cells listed below and {UPLOAD} again.",
    chase.MISSING_BOTH: f"fill in the cells listed below and {UPLOAD} again.",
    chase.COMPLETE: "nothing: it is complete.",
}


def _overdue(year: YearStatus) -> bool:
    return year.holds_publication and dt.date.today() > year.deadline


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    bytecode_cache=compiled_templates(),
)


def render_html(status: AreaStatus) -> str:
    template = _ENVIRONMENT.get_template("area_status.html.j2")
    return template.render(s=status, labels=LABELS, clears=CLEARS, overdue=_overdue)


def _year_lines(year: YearStatus) -> list[str]:
    lines = ["", f"== {year.financial_year} =="]
    if year.holds_publication:
        lines += [
            f"HOLDS PUBLICATION: {LABELS[year.status]}.",
            f"What clears it: {CLEARS[year.status]}",
            f"Due by {year.deadline.isoformat()}" + (" (now overdue)." if _overdue(year) else "."),
        ]
    else:
        lines.append("Complete: does not hold publication.")
    if year.missing:
        lines.append(f"Still missing or not yet known ({len(year.missing)}):")
        lines += [f"- {m.item}: sheet '{m.sheet}', cell {m.cell or '(its row)'}. {m.what_to_do}" for m in year.missing]
    lines.append("Files received, newest first:" if year.received else "No return received.")
    for r in year.received:
        current = " [CURRENT]" if r.current else ""
        receipt = f"receipt {r.receipt}.txt" if r.receipt else "sent by the data team"
        lines.append(f"- {r.file}, {r.received_at}: {r.verdict}{current} ({receipt})")
    return lines


def render_text(status: AreaStatus) -> str:
    """The same page as plain text (for a terminal or a mail)."""
    lines = [
        f"{status.area_name} ({status.area_code}): your returns. Written {status.written_at}.",
        f"Questions: {status.contact}.",
        f"Send a return: put it in raw/uploads/{status.area_code}/; its receipt appears here.",
    ]
    if status.waiting:
        lines += ["", "Just received, being loaded:"]
        lines += [f"- {r.file}, {r.received_at}: {r.verdict} (receipt {r.receipt}.txt)" for r in status.waiting]
    if not status.years:
        lines += ["", "Nothing loaded yet: each reporting year is listed once the first run has built it."]
    for year in status.years:
        lines += _year_lines(year)
    if status.unplaced:
        lines += ["", "Files with no reporting year (each receipt says why):"]
        lines += [f"- {r.file}, {r.received_at}: {r.verdict} (receipt {r.receipt}.txt)" for r in status.unplaced]
    return "\n".join(_wrapped(visible(line)) for line in lines) + "\n"


def _wrapped(line: str) -> str:
    """At most 80 columns, for a terminal or a mail; continuation lines indented."""
    return textwrap.fill(line, WIDTH, subsequent_indent="  ", break_on_hyphens=False) if line else line


def write_pages(settings: Settings, statuses: list[AreaStatus]) -> list[Path]:
    """Every area's status.html and status.txt, written together (each page whole and fsynced,
    the fsyncs overlapping: core/atomic.write_all). Returns the HTML pages."""
    pages: list[tuple[Path, str]] = []
    for status in statuses:
        folder = settings.outbox_dir / status.area_code
        pages += [(folder / "status.html", render_html(status)), (folder / "status.txt", render_text(status))]
    write_all(pages)
    return [path for path, _ in pages if path.suffix == ".html"]


def write_status_pages(settings: Settings, areas: list[str] | None = None) -> list[Path]:
    """Rewrite the status pages of every local authority (or of `areas`); nothing is written
    while a run holds the warehouse (that run's end rewrites them). Returns the HTML pages."""
    if not settings.warehouse_path.exists():
        return write_pages(settings, area_statuses(settings, None, areas))
    try:
        with connect(settings.warehouse_path, read_only=True) as connection:
            statuses = area_statuses(settings, connection, areas)
    except duckdb.IOException:  # a run is writing: its end rewrites the pages
        return []
    return write_pages(settings, statuses)
