"""One area pack and the Scotland pack, laid out by headless Chromium (the Debian package).

No text overflows its box, no chart label is cut or drawn outside its chart, the page
does not scroll sideways, and every chart is a figure with a caption and a data table
(its text alternative). Runs in CI: `make test` installs Chromium when missing.
"""

from __future__ import annotations

import re

import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.publish import publish_release
from tests.integration.browser import check_page, print_to_pdf, screenshot

YEAR = "2024-25"
NOTES = {"release_id": "browser-1", "published_at": "2025-06-01T09:00:00+00:00", "published_by": "tester"}


@pytest.fixture(scope="module")
def packs(built_warehouse, tmp_path_factory):
    import shutil

    from cj_pipeline.settings import get_settings

    source, _, _ = built_warehouse
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(source.data_dir, data_dir, symlinks=True, ignore=shutil.ignore_patterns(".writer.lock"))
    out = publish_release(get_settings(data_dir), YEAR, NOTES)
    return out / "packs"


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
