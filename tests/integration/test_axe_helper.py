"""The accessibility checker the page tests rely on finds what it should, and only that."""

from __future__ import annotations

from tests.integration.browser import axe_violations

CLEAN = """<!doctype html><html lang="en"><head><title>Clean page</title></head>
<body><main><h1>Clean page</h1><p>Text in a landmark.</p></main></body></html>"""
FAULTY = """<!doctype html><html><head><title>Faulty page</title></head>
<body><img src="chart.png"><div>Text outside any landmark.</div></body></html>"""


def test_axe_finds_nothing_on_a_clean_page(tmp_path):
    page = tmp_path / "clean.html"
    page.write_text(CLEAN, encoding="utf-8")
    assert axe_violations(page, tmp_path) == []


def test_axe_names_each_violation_and_where(tmp_path):
    page = tmp_path / "faulty.html"
    page.write_text(FAULTY, encoding="utf-8")
    found = {v["id"]: v["nodes"] for v in axe_violations(page, tmp_path)}
    # WCAG (missing lang, image without alt) and best practice (no main landmark, content outside landmarks).
    assert {"html-has-lang", "image-alt", "landmark-one-main", "region"} <= set(found)
    assert found["image-alt"] == ["img"]
