"""Each area's status pages after a real run: a rejected, a missing, an incomplete and a
complete return; the pages and `chase` never disagree; axe-core finds no violation and the
page fits a phone's width (390 px) in headless Chromium."""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape

import duckdb
import pytest

from cj_pipeline.lib.reporting.chase import COMPLETE, MISSING_EVIDENCE, NO_RETURN, REJECTED, chase_list
from cj_pipeline.lib.reporting.status_pages import CLEARS, LABELS
from cj_pipeline.lib.returns.template import ReturnContent, write_template
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir
from tests.integration.browser import CHROMIUM, axe_violations, check_page, screenshot

CONTACT = "returns@cjs.example <Jo & Sam>"  # escaped like any other text


@pytest.fixture(scope="module")
def pages(built_warehouse, tmp_path_factory):
    """The built demo copied, with a rejected return dropped in the folder of an area that sent
    nothing for the latest year, then one run (which rewrites every area's status pages)."""
    settings, truth, _ = built_warehouse
    data_dir = tmp_path_factory.mktemp("status") / "data"
    copy_data_dir(settings.data_dir, data_dir)
    settings = dataclasses.replace(get_settings(data_dir), returns_contact=CONTACT, returns_deadline="08-31")
    latest = truth.years[-1]
    rejected_area, never_area = sorted(area for area, _ in truth.missing_returns)
    bad = ReturnContent(**{**truth.returns[(rejected_area, truth.years[-2])].__dict__})
    bad.assessments = {**bad.assessments, "NO1": ("Maybe", "Something", "")}
    (settings.uploads_dir / rejected_area).mkdir()
    write_template(settings.uploads_dir / rejected_area / "rejected.xlsx", rejected_area, latest, bad)
    assert run_build(settings, log_level="WARNING").success
    chase = {r.area_code: r for r in chase_list(settings.warehouse_path, latest, include_complete=True)}
    return {
        "settings": settings,
        "truth": truth,
        "latest": latest,
        "rejected": rejected_area,
        "never": never_area,
        "chase": chase,
    }


def _page(settings, area: str) -> str:
    return (settings.outbox_dir / area / "status.html").read_text(encoding="utf-8")


def _year_sections(page: str) -> dict[str, str]:
    parts = re.split(r'<h2 id="y\d+">', page)[1:]
    return {part.split("</h2>", 1)[0]: part.split("</section>", 1)[0] for part in parts}


def _cells(section: str, label: str) -> list[str]:
    return [unescape(text) for text in re.findall(rf'<td data-label="{label}">(.*?)</td>', section, re.S)]


def test_the_pages_and_chase_never_disagree(pages):
    """For every area and every year: the page holds publication exactly when chase chases the
    area, names chase's status, and lists exactly chase's missing items."""
    settings = pages["settings"]
    years = pages["truth"].years
    checked = 0
    for year in years:
        for row in chase_list(settings.warehouse_path, year, include_complete=True):
            section = _year_sections(_page(settings, row.area_code))[year]
            if row.status == COMPLETE:
                assert "does not hold publication" in section and "holds" not in section.split("</p>")[0]
                assert _cells(section, "Item") == []
            else:
                assert f"waiting for {unescape(row.area_name)}: {LABELS[row.status]}" in unescape(section)
                assert unescape(CLEARS[row.status].split(":")[0]) in unescape(section)
                expected = row.missing.split("; ") if row.status not in (NO_RETURN, REJECTED) else []
                assert _cells(section, "Item") == expected, (row.area_code, year)
            checked += 1
    assert checked == 32 * len(years)


def test_a_rejected_return(pages):
    settings, area, latest = pages["settings"], pages["rejected"], pages["latest"]
    assert pages["chase"][area].status == REJECTED
    section = _year_sections(_page(settings, area))[latest]
    assert "the return was rejected" in section and "put right the errors its receipt lists" in section
    assert _cells(section, "File") == ["rejected.xlsx"]
    (verdict,) = _cells(section, "Verdict")
    assert re.fullmatch(r"rejected \(\d+ error\(s\)\)", verdict)
    (receipt_name,) = _cells(section, "Receipt")
    receipt = json.loads((settings.outbox_dir / area / receipt_name.replace(".txt", ".json")).read_text())
    assert receipt["file"] == "rejected.xlsx" and receipt["status"] == "rejected"
    assert "Due by 31 August" in section  # the data team's deadline setting


def test_a_missing_return(pages):
    settings, area, latest = pages["settings"], pages["never"], pages["latest"]
    assert pages["chase"][area].status == NO_RETURN
    section = _year_sections(_page(settings, area))[latest]
    assert "no return has been received" in section and f"No return has been received for {latest}" in section
    assert "send this year&#39;s return" in section


def test_an_incomplete_return_names_the_cell_to_fill(pages):
    settings, latest = pages["settings"], pages["latest"]
    area = next(a for a, r in sorted(pages["chase"].items()) if r.status == MISSING_EVIDENCE)
    section = _year_sections(_page(settings, area))[latest]
    items, cells, sheets = _cells(section, "Item"), _cells(section, "Cell"), _cells(section, "Sheet")
    assert items == pages["chase"][area].missing.split("; ")
    # The cell is where validation warned that publication waits for the item.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        flagged = connection.execute(
            "select message, sheet, cell from raw.issues join raw.submissions using (submission_id) "
            "where area_code = ? and financial_year = ? and status = 'accepted' and code = 'publication_waits' "
            "order by arrival_seq desc",
            [area, latest],
        ).fetchall()
    where = {}
    for message, sheet, cell in flagged:
        where.setdefault(message.split(": ", 1)[0], (sheet, cell))
    assert list(zip(sheets, cells, strict=True)) == [where[item] for item in items]
    assert all(re.fullmatch(r"[A-Z]+\d+", cell) for cell in cells)
    current = [c for c in _cells(section, "Current") if c.startswith("yes")]
    assert len(current) == 1


def test_a_complete_return_and_the_contact(pages):
    settings, latest = pages["settings"], pages["latest"]
    area = next(a for a, r in sorted(pages["chase"].items()) if r.status == COMPLETE)
    page = _page(settings, area)
    assert "is in and complete: it does not hold publication" in _year_sections(page)[latest]
    assert "returns@cjs.example &lt;Jo &amp; Sam&gt;" in page and "<Jo" not in page
    text = (settings.outbox_dir / area / "status.txt").read_text(encoding="utf-8")
    assert "Complete: does not hold publication." in text
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make test-tools installs it)")
def test_the_page_is_accessible_and_fits_a_phone(pages, tmp_path):
    settings = pages["settings"]
    area = next(a for a, r in sorted(pages["chase"].items()) if r.status == MISSING_EVIDENCE)
    page = settings.outbox_dir / area / "status.html"
    assert axe_violations(page, tmp_path) == []
    assert axe_violations(page, tmp_path, width=390) == []
    assert check_page(page, tmp_path, width=390)["problems"] == []
    shot = screenshot(page, tmp_path / "status_390.png", tmp_path, width=390, height=2400)
    assert shot.stat().st_size > 10_000
