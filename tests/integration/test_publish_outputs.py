"""The published release: accessible xlsx, tidy files, packs, safe text, atomic snapshot."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.lib.publish import publish_release
from cj_pipeline.settings import get_settings
from tests.integration import browser
from tests.planted import EVIL, NOTES, YEAR


@pytest.fixture(scope="module")
def published(planted_release):
    """The session's release of a copy of the shared build with hostile text planted
    (tests/planted.py), read (never changed) by the tests of this module."""
    return get_settings(planted_release.parents[1]), planted_release


def test_release_contents_and_accessible_workbook(published):
    settings, out = published
    assert out == settings.published_dir / YEAR
    assert not list(settings.published_dir.glob(f".{YEAR}.*"))  # no temp or old folders left
    for name in ("indicator_values", "indicator_trends", "benchmark"):
        assert (out / "data" / f"{name}.csv").exists() and (out / "data" / f"{name}.parquet").exists()
    notes = (out / "release_notes.md").read_text()
    assert "Late return from one area" in notes and "completeness" in notes and "reconciliation" in notes
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    cover_text = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert "Published: 1 June 2025" in cover_text and "tester" not in cover_text  # a readable date, no user name
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
        assert isinstance(sheet["A1"].value, str) and sheet["A1"].value, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    # Text that starts like a formula is a string cell with Excel's quote prefix.
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@")), cell.coordinate
                    assert cell.value != "none", (sheet.title, cell.coordinate)
        if sheet.title in ("Cover", "Contents", "Notes"):
            continue
        # One table per sheet (an Excel table), every header a name, every column wide enough.
        (table,) = sheet.tables.values()
        first, last = table.ref.split(":")
        header_row = int("".join(ch for ch in first if ch.isdigit()))
        headers = [c.value for c in sheet[header_row]]
        assert all(isinstance(h, str) and h for h in headers), (sheet.title, headers)
        for col, header in enumerate(headers, start=1):
            letter = openpyxl.utils.get_column_letter(col)
            cells = next(sheet.iter_cols(min_col=col, max_col=col, min_row=header_row))  # the table, not its title
            longest = max(len(line) for c in cells for line in str(c.value or "").split("\n"))
            width = sheet.column_dimensions[letter].width
            assert width >= min(longest, 60) * 0.9, (sheet.title, header, width, longest)
    no1 = book["NO1"]
    header_row = next(r for r in range(1, 10) if no1.cell(r, 1).value == "Indicator (unit)")
    headers = [c.value.split("\n")[0] for c in no1[header_row]]  # a year may carry a note: "2024-25\n[note 4]"
    assert headers[:3] == ["Indicator (unit)", "Area", "Area code"] and "2024-25" in headers
    assert any("2020-21" in c.value and "[note" in c.value for c in no1[header_row])  # pandemic years carry a note
    assert no1.cell(header_row + 1, 2).value == "Scotland"
    cells = [no1.cell(row=r, column=headers.index("2024-25") + 1).value for r in range(header_row + 1, no1.max_row + 1)]
    assert any(isinstance(v, (int, float)) for v in cells)
    assert all(isinstance(v, (int, float)) or re.fullmatch(r"\[[a-z]+\]", v) for v in cells)
    assert any("[note" in str(c.value) for c in no1["A"][:5])  # notes referenced as [note N]
    texts = [c.value for row in book["Assessments"].iter_rows() for c in row]
    assert EVIL in texts and "'" + EVIL not in texts  # as written, no apostrophe
    completeness = book["Completeness"]
    assert any(c.value == "Fife" for c in completeness["A"])  # names, not only codes
    csv_text = (out / "data" / "indicator_values.csv").read_text()
    assert "[c]" in csv_text or "[x]" in csv_text


def test_packs_are_offline_and_escaped(published):
    settings, out = published
    packs = sorted((out / "packs").glob("*.html"))
    assert len(packs) == 33 and (out / "packs" / "S92000003.html").exists()
    for pack in packs:
        html = pack.read_text()
        assert "<svg" in html
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
        assert "<script" not in html
    fife = (out / "packs" / "S12000005.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fife
    # Lineage: each figure names the file, sheet and cell it was read from.
    assert "Where the figures come from" in fife
    assert re.search(
        r"jsws_\d{4}-\d{2}\.xlsx, sheet Table 1, cell [A-Z]+\d+ <span[^>]*>sha256 [0-9a-f]{12}\.\.\.", fife
    )
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in fife  # escaped by the template engine, shown as written


def test_snapshot_swap_keeps_old_readers(release_copy):
    settings = release_copy  # a copy of the session's shared release of the same year
    snap = settings.published_dir / "snapshot" / "cj_analytics.duckdb"
    old = duckdb.connect(str(snap), read_only=True)
    try:
        before = old.execute("select count(*) from marts.fct_indicator_values").fetchall()[0][0]
        con = duckdb.connect(str(settings.warehouse_path))
        con.execute("delete from marts.fct_indicator_values where area_code = 'S12000005'")
        con.close()
        publish_release(settings, YEAR, NOTES)
        assert old.execute("select count(*) from marts.fct_indicator_values").fetchall()[0][0] == before
        # A new reader (another process: DuckDB shares one instance per path within a
        # process) sees the new file.
        code = (
            "import duckdb,sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select count(*) from marts.fct_indicator_values').fetchall()[0][0])"
        )
        result = subprocess.run([sys.executable, "-c", code, str(snap)], capture_output=True, text=True, check=True)
        assert int(result.stdout.strip()) < before
    finally:
        old.close()
    assert (settings.published_dir / "snapshot" / "parquet" / "fct_indicator_values.parquet").exists()


def _png_variance(path: Path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw[:200000]))


def test_one_pack_renders_in_a_real_browser(published, tmp_path):
    chromium = Path(browser.chromium())  # skips only outside CI; `make test` installs Chromium
    _, out = published
    png = tmp_path / "pack.png"
    subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            (out / "packs" / "S12000005.html").as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert png.exists() and _png_variance(png) > 3


def test_a_value_that_cannot_be_published_is_named_with_what_to_do(warehouse_copy):
    """A text longer than a spreadsheet cell (intake refuses one today; a warehouse built by an
    earlier version can hold one) stops publication before anything is written, in words."""
    settings, _ = warehouse_copy
    year, fife = "2023-24", "S12000047"
    con = duckdb.connect(str(settings.warehouse_path))
    (cell,) = con.execute(
        "update marts.fct_local_outcomes set commentary = repeat('x', 40000) "
        "where area_code = ? and financial_year = ? and row_number = 1 returning source_cell",
        [fife, year],
    ).fetchone()
    con.close()
    result = CliRunner().invoke(cli.app, ["publish", "--year", year, "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error" not in result.output.split("NOT PUBLISHED")[0]
    assert "NOT PUBLISHED" in result.output and "cannot be published" in result.output
    said = " ".join(result.output.split())  # as read, whatever the terminal's width
    assert re.search(
        rf"- Fife \({fife}\), file \S+\.xlsx, sheet Local outcomes, row {cell[1:]} \(cell {cell} and beside it\): "
        "Commentary is 40,000 characters",
        said,
    ), said
    assert "What to do: ask the area to shorten the text" in said
    assert not (settings.published_dir / year).exists()
    assert not list(settings.published_dir.glob(f".{year}.*"))
