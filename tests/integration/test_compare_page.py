"""compare.html, published with a real release and used as a reader would, offline.

The release is the session's planted release (tests/conftest.py, tests/planted.py): a copy of
the shared build published by the real code, with one area's name made hostile (markup, a
script end tag, U+2028) to show area text stays data. The page is then checked against the published CSV cell for cell, driven by keyboard
in headless Chromium with every host name unresolvable (DevTools protocol: real key
events, script errors, console errors and every request recorded), and checked by
axe-core and the packs' layout check.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import polars as pl
import pytest

from tests.integration.browser import axe_violations, check_page
from tests.integration.devtools import offline_page
from tests.planted import HOSTILE_CODE, HOSTILE_NAME, YEAR

FIFE, MIDLOTHIAN = "S12000047", "S12000019"
HOSTILE = HOSTILE_NAME


@pytest.fixture(scope="module")
def release(planted_release) -> Path:
    """The session's release with one area's name made hostile (tests/planted.py)."""
    assert planted_release.name == YEAR
    return planted_release


def page_data(page: Path) -> dict:
    found = re.search(r'<script type="application/json" id="compare-data">(.*?)</script>', page.read_text(), re.S)
    assert found, "no data block in the page"
    return json.loads(found.group(1))


def test_page_is_in_the_release_self_contained_and_fast(release):
    page = release / "compare.html"
    manifest = json.loads((release / "release.json").read_text())
    assert "compare.html" in manifest["files"]
    html = page.read_text(encoding="utf-8")
    # Nothing to fetch: no external script, stylesheet, image or font.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert "default-src 'none'" in html
    assert page.stat().st_size < 400_000, page.stat().st_size
    assert manifest["timings"]["compare_seconds"] < 3, manifest["timings"]


def test_area_text_cannot_leave_the_data_block(release):
    html = (release / "compare.html").read_text(encoding="utf-8")
    assert "window.pwned" in html  # it is there, as data
    assert "</script><script>window.pwned" not in html
    block = re.search(r'id="compare-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and "\u2028" not in block  # escaped as \u003c, \u2028 in the JSON
    areas = {a["code"]: a["name"] for a in page_data(release / "compare.html")["areas"]}
    assert areas[HOSTILE_CODE] == HOSTILE


def _published(release: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(release / "data" / f"{name}.csv", infer_schema_length=None)


def test_every_value_the_page_can_show_equals_the_published_csv(release):
    data = page_data(release / "compare.html")
    years, shown = data["years"], {i["id"] for i in data["indicators"]}
    values = _published(release, "indicator_values").filter(pl.col("indicator_id").is_in(list(shown)))
    expected = {
        (r["indicator_id"], r["area_code"], r["financial_year"]): [r["value"], r["marker"]]
        for r in values.iter_rows(named=True)
    }
    on_page = {
        (ind, area, years[k]): cell
        for ind, by_area in data["values"].items()
        for area, row in by_area.items()
        for k, cell in enumerate(row)
        if cell is not None
    }
    assert on_page == expected
    assert any(v[0] is None and v[1] == "[c]" for v in on_page.values())  # suppressed cells stay suppressed
    bench = _published(release, "benchmark")
    ranks = {
        (r["indicator_id"], r["area_code"], r["financial_year"]): r["rank_in_scotland"]
        for r in bench.iter_rows(named=True)
    }
    page_ranks = {
        (ind, area, years[k]): rank
        for ind, by_area in data["ranks"].items()
        for area, row in by_area.items()
        for k, rank in enumerate(row)
        if (ind, area, years[k]) in ranks
    }
    assert page_ranks == ranks
    groups = {
        (r["indicator_id"], r["comparator_group"], r["financial_year"]): [
            r["group_value"],
            r["group_marker"],
            r["group_size"],
        ]
        for r in bench.iter_rows(named=True)
    }
    page_groups = {
        (ind, group, years[k]): cell
        for ind, by_group in data["group_values"].items()
        for group, row in by_group.items()
        for k, cell in enumerate(row)
        if cell is not None
    }
    assert page_groups == groups
    members = dict(bench.select("area_code", "comparator_group").unique().iter_rows())
    assert {a["code"]: a["group"] for a in data["areas"]} == members and len(members) == 32


def _state(page) -> dict:
    return page.evaluate(
        """(() => ({
          hash: location.hash,
          indicator: document.getElementById('indicator').value,
          checked: [...document.querySelectorAll('input[name=areas]:checked')].map(b => b.value),
          caption: document.querySelector('#values-table caption').textContent,
          rows: [...document.querySelectorAll('#values-table tbody th')].map(th => th.textContent),
          cells: [...document.querySelectorAll('#values-table tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent)),
          series: [...document.querySelectorAll('#trend-chart g.series')].map(g => g.dataset.series),
          points: [...document.querySelectorAll('#trend-chart g.series .point')].length,
          chosenBars: [...document.querySelectorAll('#rank-chart .bar.chosen, #rank-chart .no-bar')].map(b => b.dataset.area),
          bars: document.querySelectorAll('#rank-chart .bar').length,
          status: document.getElementById('status').textContent,
          pandemic: document.querySelectorAll('#trend-chart .pandemic-band').length,
          labels: Object.fromEntries([...document.querySelectorAll('ul.areas label')].map(l => [l.htmlFor, l.textContent])),
          pwned: typeof window.pwned,
        }))()"""
    )


def test_keyboard_choices_change_chart_and_table_offline_and_the_link_round_trips(release, tmp_path):
    page_path = release / "compare.html"
    data = page_data(page_path)
    names = {i["id"]: i["name"] for i in data["indicators"]}
    start = f"#indicator=ATT_BAIL_COMMENCED_PCT&areas={FIFE},{MIDLOTHIAN}"
    downloads = tmp_path / "downloads"
    with offline_page(tmp_path) as page:
        page.navigate(page_path.as_uri() + start)
        first = _state(page)
        assert first["indicator"] == "ATT_BAIL_COMMENCED_PCT" and sorted(first["checked"]) == sorted([FIFE, MIDLOTHIAN])
        assert first["rows"][:2] == ["Fife", "Midlothian"] and first["rows"][-1] == "Scotland"
        assert first["series"][:2] == [f"area:{FIFE}", f"area:{MIDLOTHIAN}"] and first["pandemic"] == 1
        assert names["ATT_BAIL_COMMENCED_PCT"] in first["caption"]
        assert first["labels"][f"area-{HOSTILE_CODE}"] == HOSTILE and first["pwned"] == "undefined"

        # Keyboard only: Tab to the indicator list, arrow to the next indicator.
        page.tab_to("#indicator")
        page.key("ArrowDown")
        second = _state(page)
        assert second["indicator"] != first["indicator"] and names[second["indicator"]] in second["caption"]
        assert second["cells"] != first["cells"] and f"indicator={second['indicator']}" in second["hash"]

        # Tab to an area's checkbox and tick it with the space bar.
        page.tab_to(f"#area-{HOSTILE_CODE}")
        page.key("Space")
        third = _state(page)
        assert HOSTILE_CODE in third["checked"] and third["rows"][0] == HOSTILE
        assert f"area:{HOSTILE_CODE}" in third["series"] and len(third["series"]) > len(second["series"])
        assert HOSTILE_CODE in third["chosenBars"] and third["bars"] >= 20
        assert f"areas={HOSTILE_CODE},{FIFE},{MIDLOTHIAN}" in third["hash"]

        # The download button, pressed with Enter, saves the figures shown as CSV.
        page.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        page.tab_to("#download")
        page.key("Enter")
        deadline = time.monotonic() + 20
        while not list(downloads.glob("*.csv")) and time.monotonic() < deadline:
            page.pump(0.2)
        saved = list(downloads.glob("*.csv"))
        assert saved, "nothing was downloaded"
        expected_csv = page.evaluate("window.cjCompare.csv()")
        shown_hash = third["hash"]
        png = page.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        problems, urls = page.problems(), page.requested_urls()

    assert problems == []
    assert urls and all(u.startswith(("file:", "data:", "blob:")) for u in urls), urls
    text = saved[0].read_bytes().decode("utf-8-sig")
    assert text == expected_csv
    _check_download(release, text, second["indicator"])
    (tmp_path / "compare.png").write_bytes(__import__("base64").b64decode(png["data"]))

    # The shared link, opened afresh, shows the same view.
    with offline_page(tmp_path / "again") as page:
        page.navigate(page_path.as_uri() + shown_hash)
        again = _state(page)
        bad = page_path.as_uri() + "#indicator=NOPE&areas=S12000047,XX&year=1900-01"
        page.navigate("about:blank")
        page.navigate(bad)
        warning = page.evaluate("document.getElementById('link-problem').textContent")
        fallback = _state(page)
        assert page.problems() == []
    assert {k: again[k] for k in ("indicator", "checked", "rows", "cells", "series")} == {
        k: third[k] for k in ("indicator", "checked", "rows", "cells", "series")
    }
    assert "NOPE" in warning and "XX" in warning and "1900-01" in warning
    assert fallback["checked"] == [FIFE] and fallback["indicator"] in names


def _check_download(release: Path, text: str, indicator: str) -> None:
    """Every area and Scotland row of the CSV download is the published value and marker."""
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["indicator_id"] for r in rows} == {indicator}
    published = {
        (r["area_code"], r["financial_year"]): (r["value"], r["marker"] or "")
        for r in _published(release, "indicator_values")
        .filter(pl.col("indicator_id") == indicator)
        .iter_rows(named=True)
    }
    checked = 0
    for r in rows:
        if r["series"] in ("area", "scotland"):
            value = float(r["value"]) if r["value"] else None
            assert published[(r["code"], r["financial_year"])] == (value, r["marker"]), r
            checked += 1
    assert checked >= 3 * 7


def _with_fragment(page: Path, work: Path, fragment: str) -> Path:
    """A copy of the page that opens on a chosen view (the helpers load a page without one)."""
    copy = work / f"view_{page.name}"
    html = page.read_text(encoding="utf-8")
    copy.write_text(html.replace("<head>", f"<head><script>location.hash = {json.dumps(fragment)};</script>", 1))
    return copy


@pytest.mark.parametrize(
    "fragment",
    ["", f"indicator=NO3_COMMENCED&areas={FIFE},{MIDLOTHIAN},{HOSTILE_CODE}&year=2020-21"],
    ids=["no-choice", "three-areas-count-pandemic-year"],
)
def test_axe_finds_no_violation_and_the_layout_holds(release, tmp_path, fragment):
    page = _with_fragment(release / "compare.html", tmp_path, fragment)
    violations = axe_violations(page, tmp_path)
    assert violations == [], json.dumps(violations, indent=1)[:3000]
    verdict = check_page(page, tmp_path)
    assert verdict["charts"] >= 2 and verdict["problems"] == [], verdict["problems"][:20]


def test_breaks_gaps_and_markers_are_drawn_as_such(tmp_path):
    """A [b] value starts a new line segment under a 'Break' rule; a [c] leaves a gap and reads [c]."""
    from cj_pipeline.lib.publish.compare import compare_data, render_compare
    from tests.unit.test_compare import INDICATORS, _tables

    page_path = tmp_path / "compare.html"
    page_path.write_text(render_compare(compare_data(_tables(), INDICATORS, "2022-23", "r1", {"percent": 1})))
    with offline_page(tmp_path) as page:
        page.navigate(page_path.as_uri() + "#indicator=A_PCT&areas=S12000005,S12000047")
        drawn = page.evaluate(
            """(() => ({
              breaks: document.querySelectorAll('#trend-chart .series-break').length,
              paths: Object.fromEntries([...document.querySelectorAll('#trend-chart g.series')].map(
                g => [g.dataset.series, (g.querySelector('path').getAttribute('d').match(/M/g) || []).length])),
              points: Object.fromEntries([...document.querySelectorAll('#trend-chart g.series')].map(
                g => [g.dataset.series, [...g.querySelectorAll('.point')].map(p => p.dataset.year)])),
              table: [...document.querySelectorAll('#values-table tbody tr')].map(tr => [...tr.children].map(c => c.textContent)),
            }))()"""
        )
        assert page.problems() == []
    assert drawn["breaks"] == 1
    assert drawn["paths"]["area:S12000047"] == 2  # the line is not drawn across the break
    assert drawn["points"]["area:S12000005"] == ["2019-20", "2021-22", "2022-23"]  # no point for [c]
    clack, fife = drawn["table"][0], drawn["table"][1]  # rows in name order: the hostile name starts with '<'
    assert fife[0] == "Fife" and fife[4] == "43.0 [b]"
    assert clack[2] == "[c]" and "0.0" not in clack[2]
