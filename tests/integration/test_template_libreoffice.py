"""The template as a council officer uses it: filled in and re-saved by LibreOffice Calc.

Needs LibreOffice (Debian package libreoffice-calc-nogui; `make test` installs it when
missing). Two things are checked in the real application rather than in openpyxl's idea
of it: the count cells' validation formula accepts exactly what the Guidance lists and
the validator accepts (LibreOffice evaluates the same formula over a column of typical
entries), and a return with markers in the count cells, re-saved by Calc, is accepted
with the markers read as markers.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from cj_pipeline.lib.core.cells import parse_count
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.returns.template import COUNT_CELL_HELP, count_cell_rule, write_template
from cj_pipeline.lib.returns.validate import ReturnValidation, return_rows, validate_bytes
from cj_pipeline.settings import get_settings
from tests.fixtures.make_fixtures import fill_blank_template

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (make test installs libreoffice-calc-nogui)",
)

# What people type into a count cell, and whether the template should let it in.
ENTRIES = {
    "40": True,
    "0": True,
    "1234": True,
    "[x]": True,
    "[c]": True,
    "[z]": True,
    "[low]": True,
    "40 [e]": True,
    "45 [p]": True,
    "12 [r]": True,
    "TBC": False,
    "approx 40": False,
    "[q]": False,
    "-3": False,
    "2.5": False,
    "40 [x]": False,
}


def _convert(source: Path, out_dir: Path, target: str, profile: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            SOFFICE or "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    produced = out_dir / f"{source.stem}.{target.split(':')[0]}"
    assert produced.exists(), f"LibreOffice did not write {produced}"
    return produced


def _validator_accepts(entry: str) -> bool:
    try:
        parse_count(float(entry) if entry.lstrip("-").replace(".", "", 1).isdigit() else entry)
    except CellProblem:
        return False
    return True


def test_validation_formula_guidance_and_validator_agree(tmp_path):
    """LibreOffice evaluates the template's validation formula for each entry."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row, entry in enumerate(ENTRIES, start=1):
        number = entry.lstrip("-").replace(".", "", 1).isdigit()
        sheet.cell(row, 1).value = float(entry) if number else entry  # as Calc stores what is typed
        sheet.cell(row, 2).value = "=" + count_cell_rule(f"A{row}")
    source = tmp_path / "entries.xlsx"
    book.save(source)
    result = _convert(source, tmp_path / "out", "csv", tmp_path / "profile")
    with result.open(newline="", encoding="utf-8") as handle:
        evaluated = {row[0]: row[1].upper() == "TRUE" for row in csv.reader(handle)}
    for entry, expected in ENTRIES.items():
        shown = entry if entry in evaluated else next(k for k in evaluated if k and float(k) == float(entry))
        assert evaluated[shown] is expected, f"Calc's validation says {evaluated[shown]} for {entry!r}"
        assert _validator_accepts(entry) is expected, f"the validator disagrees on {entry!r}"
    for marker in ("[x]", "[c]", "[z]", "[low]", "[p]", "[r]", "[e]", "40 [e]"):
        assert marker in COUNT_CELL_HELP  # the guidance lists what the cell accepts


def test_markers_in_count_cells_survive_a_libreoffice_round_trip(tmp_path):
    path = write_template(tmp_path / "Fife_2024-25.xlsx", "S12000047", "2024-25")
    fill_blank_template(path)
    book = openpyxl.load_workbook(path)
    measures = book["Local measures"]
    measures["C5"], measures["D5"] = "[x]", "[x]"
    measures["C6"], measures["D6"] = "[c]", 90
    measures["C7"], measures["D7"] = "40 [e]", "120 [p]"
    book.save(path)
    saved = _convert(path, tmp_path / "calc", "xlsx:Calc MS Excel 2007 XML", tmp_path / "profile")
    result: ReturnValidation = validate_bytes(saved.read_bytes(), saved.name, get_settings())
    assert result.accepted, result.issues
    assert [i for i in result.issues if i.severity == "error"] == []
    rows = {r["measure_id"]: r for r in return_rows(result)["return_measures"]}
    assert (rows["LM6.1"]["numerator_marker"], rows["LM6.1"]["denominator_marker"]) == ("[x]", "[x]")
    assert rows["LM6.2"]["numerator_marker"] == "[c]" and rows["LM6.2"]["denominator"] == 90
    assert (rows["LM8.1"]["numerator"], rows["LM8.1"]["numerator_marker"]) == (40, "[e]")
    assert (rows["LM8.1"]["denominator"], rows["LM8.1"]["denominator_marker"]) == (120, "[p]")
    # Calc kept the custom validation and its message on the count cells.
    rules = [dv for dv in openpyxl.load_workbook(saved)["Local measures"].data_validations.dataValidation]
    custom = [dv for dv in rules if dv.type == "custom"]
    assert custom and "C5" in str(custom[0].sqref) and "40 [e]" in (custom[0].error or "")
