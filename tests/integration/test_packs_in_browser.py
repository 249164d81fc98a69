"""One area pack and the Scotland pack, laid out by headless Chromium (the Debian package).

No text overflows its box, no chart label is cut or drawn outside its chart, the page
does not scroll sideways, and every chart is a figure with a caption and a data table
(its text alternative). Runs in CI: `make test` installs Chromium when missing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from tests.integration.browser import axe_violations, check_page, print_to_pdf, screenshot

YEAR = "2024-25"


@pytest.fixture(scope="module")
def packs(published_release):
    assert published_release.release.name == YEAR  # the session's shared release of the demo build
    return published_release.release / "packs"


@pytest.mark.parametrize("code", ["S12000005", SCOTLAND_CODE])
def test_pack_lays_out_cleanly_with_text_alternatives(packs, tmp_path, code):
    pack = packs / f"{code}.html"
    verdict = check_page(pack, tmp_path)
    assert verdict["charts"] >= 2, verdict
    assert verdict["problems"] == [], "\n".join(verdict["problems"][:20])
    png = screenshot(pack, tmp_path / f"{code}.png", tmp_path)
    assert png.stat().st_size > 20_000  # something was drawn
    pdf = print_to_pdf(pack, tmp_path / f"{code}.pdf", tmp_path)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and re.search(rb"/MediaBox \[0 0 59[45][.\d]* 84[12]", data)  # A4, from the print CSS


class _Sections(HTMLParser):
    """A pack read back by the standard HTML parser: per <section>, its h2, table rows, list items, dd."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.current, self.cell, self.row, self.text = None, None, None, None
        self.tag_stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.current = self.sections.setdefault(
                attrs["aria-labelledby"], {"h2": "", "rows": [], "items": [], "dd": [], "p": []}
            )
        elif self.current is not None and tag in ("h2", "li", "dd", "td", "th", "p"):
            self.text = []
        if tag == "tr":
            self.row = []
        self.tag_stack.append(tag)

    def handle_endtag(self, tag):
        if self.current is not None and self.text is not None:
            text = " ".join("".join(self.text).split())
            if tag == "h2":
                self.current["h2"] = text
            elif tag in ("li", "dd", "p"):
                self.current["items" if tag == "li" else tag].append(text)
            elif tag in ("td", "th") and self.row is not None:
                self.row.append(text)
            if tag in ("h2", "li", "dd", "td", "th", "p"):
                self.text = None
        if tag == "tr" and self.current is not None and self.row:
            self.current["rows"].append(self.row)
            self.row = None
        if tag == "section":
            self.current = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def _sections(pack) -> dict[str, dict]:
    parser = _Sections()
    parser.feed(pack.read_text(encoding="utf-8"))
    return parser.sections


def _shown(value, marker, unit) -> str:
    """A published value as a reader sees it: counts whole, others to 1 decimal place, % for percentages."""
    if value is None:
        return marker or "[x]"
    text = f"{value:,.0f}" if unit == "count" else f"{value:,.1f}" + ("%" if unit == "percent" else "")
    return text + (f" {marker}" if marker else "")


@pytest.fixture(scope="module")
def published_tables(packs, built_warehouse):
    """What the packs must show: the release's own published table, and the warehouse's returns."""
    import duckdb
    import polars as pl

    from cj_pipeline.lib.core.db import fetch_dicts

    settings, _, _ = built_warehouse
    values = pl.read_parquet(packs.parent / "data" / "indicator_values.parquet").filter(
        pl.col("financial_year") == YEAR
    )
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        query = {
            "indicators": "select indicator_id, outcome_id, description, unit, source, scotland_only "
            "from marts.dim_indicator where outcome_id like 'NO%' and source <> 'local_return'",
            "assessments": f"select area_code, outcome_id, assessment, actions_taken from marts.fct_outcome_assessments where financial_year = '{YEAR}'",
            "evidence": f"select area_code, evidence_id, outcome_id, statement, evidence_status from marts.fct_local_evidence where financial_year = '{YEAR}'",
        }
        found = {k: pl.DataFrame(fetch_dicts(con, q), infer_schema_length=None) for k, q in query.items()}
    finally:
        con.close()
    return values, found


def test_area_pack_is_outcome_first_and_matches_the_published_tables(packs, published_tables):
    values, found = published_tables
    code = "S12000047"
    sections = _sections(packs / f"{code}.html")
    outcomes = [s for s in sections if s.startswith("no")]
    assert outcomes == [f"no{i}" for i in range(1, 10)]  # framework order, every national outcome
    assert list(sections)[0] == "key-points" and 1 <= len(sections["key-points"]["items"]) <= 8
    row_of = {(r["area_code"], r["indicator_id"]): r for r in values.iter_rows(named=True)}
    for outcome in outcomes:
        oid = outcome.upper()
        section = sections[outcome]
        assert section["h2"].startswith(oid + " More people"), section["h2"]
        rows = {r[0]: r for r in section["rows"]}
        national = found["indicators"].filter(found["indicators"]["outcome_id"] == oid)
        for ind in national.iter_rows(named=True):
            shown_for = "S92000003" if ind["scotland_only"] else code
            published = row_of[(shown_for, ind["indicator_id"])]
            name = next(n for n in rows if n.startswith(ind["description"].replace(" 10000 ", " 10,000 ")))
            assert rows[name][1] == _shown(published["value"], published["marker"], ind["unit"]), (oid, name)
        assessment = found["assessments"].filter(
            (found["assessments"]["area_code"] == code) & (found["assessments"]["outcome_id"] == oid)
        )
        if assessment.height:
            assert section["dd"][0] == assessment["assessment"][0]
            assert section["dd"][1] == " ".join(assessment["actions_taken"][0].split())
        evidence = found["evidence"].filter(
            (found["evidence"]["area_code"] == code) & (found["evidence"]["outcome_id"] == oid)
        )
        for item in evidence.iter_rows(named=True):
            status = item["evidence_status"] or "Not given"
            assert any(li.startswith(f"{status} {item['statement']}") for li in section["items"]), item


def test_scotland_pack_summarises_areas_per_outcome(packs, published_tables):
    values, found = published_tables
    sections = _sections(packs / f"{SCOTLAND_CODE}.html")
    assert [s for s in sections if s.startswith("no")] == [f"no{i}" for i in range(1, 10)]
    scotland = {r["indicator_id"]: r for r in values.filter(values["area_code"] == SCOTLAND_CODE).iter_rows(named=True)}
    evidence, assessments = found["evidence"], found["assessments"]
    for i in range(1, 10):
        oid, section = f"NO{i}", sections[f"no{i}"]
        rows = {r[0]: r for r in section["rows"]}
        for ind in found["indicators"].filter(found["indicators"]["outcome_id"] == oid).iter_rows(named=True):
            name = next(n for n in rows if n.startswith(ind["description"].replace(" 10000 ", " 10,000 ")))
            published = scotland[ind["indicator_id"]]
            assert rows[name][1] == _shown(published["value"], published["marker"], ind["unit"])
        for item in evidence.filter(evidence["outcome_id"] == oid)["evidence_id"].unique().to_list():
            of_item = evidence.filter(evidence["evidence_id"] == item)
            in_place = of_item.filter(of_item["evidence_status"] == "In place").height
            partly = of_item.filter(of_item["evidence_status"] == "Partially in place").height
            sentence = f"{in_place} of 32 areas report this in place: {of_item['statement'][0]} ({partly} partially,"
            assert any(li.startswith(sentence) for li in section["items"]), (item, sentence, section["items"])
        achieved = assessments.filter((assessments["outcome_id"] == oid) & (assessments["assessment"] == "Achieved"))
        sentence = f"{achieved.height} of 32 areas assessed this outcome as achieved"
        assert any(p.startswith(sentence) for p in section["p"]), (oid, sentence, section["p"])


@pytest.mark.parametrize("code", ["S12000047", SCOTLAND_CODE])
def test_pack_has_no_accessibility_violation(packs, tmp_path, code):
    """axe-core (WCAG 2.2 A/AA and best practice, landmarks and regions included) finds nothing."""
    assert axe_violations(packs / f"{code}.html", tmp_path) == []


def test_charts_keep_their_labels_with_a_fallback_font(packs, tmp_path):
    """A reader whose browser blocks web fonts sees the machine's font (here DejaVu Sans, wider than
    the embedded Noto Sans the charts were laid out with): no label may be cut or spill out."""
    html = (packs / f"{SCOTLAND_CODE}.html").read_text(encoding="utf-8")
    assert "@font-face{font-family:'Noto Sans'" in html and "font/woff2;base64," in html
    stripped = tmp_path / "no_web_font.html"
    stripped.write_text(re.sub(r"@font-face\{[^}]*\}", "", html), encoding="utf-8")
    verdict = check_page(stripped, tmp_path)
    assert verdict["charts"] >= 9 and verdict["problems"] == [], "\n".join(verdict["problems"][:20])
