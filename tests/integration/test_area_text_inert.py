"""Area text is data everywhere the publication writes it.

A real return (the template, filled with tests/fixtures/make_fixtures.HOSTILE_TEXTS: punctuation
only, markdown links to http: and javascript:, HTML, formulas, template braces, gptables' note
syntax, right-to-left controls, a 32,767-character text) goes through `cj-pipeline run` and
`cj-pipeline publish` (with an override reason holding the same classes), and every output is
read back cell by cell: the xlsx (openpyxl), the CSV (neutralised as docs/analysts.md says), the
Parquet (exact), release_notes.md (rendered with markdown-it) and the area's HTML pack (parsed).
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser

import openpyxl
import polars as pl
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir
from tests.fixtures.make_fixtures import AREA, HOSTILE_TEXTS, PUNCTUATION_UNITS, YEAR, hostile_text_content

TEXTS = list(HOSTILE_TEXTS.values())
FORMULA_LIKE = {t for t in TEXTS if t.startswith(("=", "+", "-", "@"))}
REASON = "Late [file](javascript:x) <b>ok</b> {{ 7*7 }} =1+1\n# not a heading \u202eevil"


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory):
    settings, _, _ = built_warehouse
    data = tmp_path_factory.mktemp("area_text") / "data"
    copy_data_dir(settings.data_dir, data)
    settings = get_settings(data)
    write_template(settings.uploads_dir / AREA / "fife_hostile_text.xlsx", AREA, YEAR, hostile_text_content())
    runner = CliRunner()
    ran = runner.invoke(cli.app, ["run", "--data-dir", str(data)])
    assert ran.exit_code == 0, ran.output
    done = runner.invoke(cli.app, ["publish", "--year", YEAR, "--data-dir", str(data), "--override-reason", REASON])
    assert done.exit_code == 0 and "PUBLISHED" in done.output, done.output
    return settings, settings.published_dir / YEAR, ran.output + done.output


def test_the_hostile_return_was_accepted_and_published(published):
    settings, out, output = published
    assert "Traceback" not in output
    # The terminal shows the reason's control characters as \uXXXX: no text can rewrite the line.
    assert "\u202e" not in output and "\\u202eevil" in output
    receipts = [p.read_text() for p in settings.receipts_dir.rglob("*fife_hostile_text*.json")]
    assert receipts and '"status": "accepted"' in receipts[-1]
    assert (out / "release.json").exists()


def test_xlsx_holds_every_text_as_written_never_a_formula_or_link(published):
    _, out, _ = published
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    seen: dict[str, object] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                # The only links are the Contents sheet's own, to the tables inside the workbook.
                link = cell.hyperlink
                assert link is None or (sheet.title == "Contents" and link.location and not link.target), (
                    sheet.title,
                    cell.coordinate,
                )
                if isinstance(cell.value, str):
                    seen.setdefault(cell.value, cell)
    for text in TEXTS:
        cell = seen.get(text)
        assert cell is not None, f"{text[:40]!r} is not a cell of the workbook"
        assert cell.data_type == "s"
        assert cell.quotePrefix == (text in FORMULA_LIKE), text  # Excel keeps it text if edited
        assert "'" + text not in seen  # no apostrophe shown to the reader
    local = book["Local_outcomes"]
    header = next(r for r in local.iter_rows(values_only=True) if r and r[0] == "Area")
    fife_units = {r[header.index("Unit")] for r in local.iter_rows(values_only=True) if r[1] == AREA}
    assert set(PUNCTUATION_UNITS) <= fife_units
    cover = {c.value for r in book["Cover"].iter_rows() for c in r}
    assert any(isinstance(v, str) and v.endswith(REASON) for v in cover)
    widths = [d.width for s in book.worksheets for d in s.column_dimensions.values() if d.width]
    assert max(widths) <= 255  # Excel's widest column, whatever the longest text


def _fife(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("area_code") == AREA)


def test_csv_neutralises_formulas_and_parquet_keeps_the_exact_text(published):
    _, out, _ = published
    parquet = _fife(pl.read_parquet(out / "data" / "local_outcomes.parquet"))
    assert sorted(parquet["commentary"].to_list()) == sorted(TEXTS)
    assert set(parquet["unit"].to_list()) == set(PUNCTUATION_UNITS)
    with open(out / "data" / "local_outcomes.csv", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["area_code"] == AREA]
    expected = sorted("'" + t if t in FORMULA_LIKE else t for t in TEXTS)
    assert sorted(r["commentary"] for r in rows) == expected
    assert {r["unit"] for r in rows} == {"%", "'-", "..."}  # "-" starts like a formula too
    actions = _fife(pl.read_parquet(out / "data" / "outcome_assessments.parquet"))["actions_taken"].to_list()
    assert set(actions) <= set(TEXTS) and len(set(actions)) > 5


def test_release_notes_render_the_reason_as_plain_text(published):
    _, out, _ = published
    notes = (out / "release_notes.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(notes)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"link_open", "html_inline", "html_block", "image", "em_open", "strong_open"}
    assert [t.content for t in tokens if t.type == "heading_open" or t.type == "inline"]
    rendered = " ".join(c.content for t in tokens for c in t.children or [] if c.type == "text")
    assert " ".join(REASON.splitlines()) in rendered  # verbatim, one line, the braces not evaluated


class _Cells(HTMLParser):
    """Every element and the text of every table cell, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_the_area_pack_shows_every_text_as_text(published):
    _, out, _ = published
    parser = _Cells()
    parser.feed((out / "packs" / f"{AREA}.html").read_text(encoding="utf-8"))
    for text in TEXTS:
        assert text in parser.cells, f"{text[:40]!r} is not a cell's text in the pack"
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "b", "i", "iframe"}
    # The pack's own links only: to its sections and to the compare page, never one made from area text.
    links = [attrs.get("href") or "" for tag, attrs in parser.tags if tag == "a"]
    assert all(href.startswith(("#", "../compare.html")) for href in links), links
    for _, attrs in parser.tags:
        assert not any("javascript:" in (v or "") or "example.org" in (v or "") for v in attrs.values())
