"""`cj-pipeline validate` through typer's CliRunner and as a process: exit codes, JSON receipt,
readable text, and a process that imports only what the check uses."""

import json
from pathlib import Path

from typer.testing import CliRunner

from cj_pipeline.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
runner = CliRunner()


def test_accepted_return_exits_0():
    result = runner.invoke(app, ["validate", str(FIXTURES / "pass" / "complete.xlsx")])
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.output and "No problems found" in result.output


def test_warnings_still_exit_0_and_markers_are_not_eaten_as_markup():
    result = runner.invoke(app, ["validate", str(FIXTURES / "pass" / "measure_legacy_marker.xlsx")])
    assert result.exit_code == 0, result.output
    assert "[x]" in result.output  # '..' is read as [x]; rich would drop an unescaped "[x]"


def test_rejected_return_exits_1_naming_cell_and_value():
    result = runner.invoke(app, ["validate", str(FIXTURES / "fail" / "measure_numeric.xlsx")])
    assert result.exit_code == 1
    for text in ("REJECTED", "Local measures", "C5", "approx 40", "What to do"):
        assert text in result.output


def test_json_receipt_follows_the_contract():
    result = runner.invoke(app, ["validate", "--json", str(FIXTURES / "fail" / "cover_year.xlsx")])
    assert result.exit_code == 1
    receipt = json.loads(result.output)
    assert {"file", "sha256", "status", "area_code", "financial_year", "issues"} <= set(receipt)
    assert receipt["status"] == "rejected" and receipt["file"] == "cover_year.xlsx"
    issue = receipt["issues"][0]
    assert {"severity", "code", "sheet", "cell", "message", "guidance"} <= set(issue)
    assert (issue["severity"], issue["code"], issue["sheet"], issue["cell"]) == (
        "error",
        "impossible_year",
        "Cover",
        "B5",
    )


def test_unreadable_file_exits_1_without_a_traceback(tmp_path):
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"%PDF-1.4 not a workbook")
    result = runner.invoke(app, ["validate", "--json", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught error
    assert "Traceback" not in result.output
    assert json.loads(result.output)["issues"][0]["code"] == "not_a_workbook"


def test_the_console_script_sends_plain_validate_to_the_light_module():
    from cj_pipeline.entry import _plain_validate

    assert _plain_validate(["validate", "a.xlsx"]) == ("a.xlsx", False)
    assert _plain_validate(["validate", "--json", "a.xlsx"]) == ("a.xlsx", True)
    assert _plain_validate(["validate", "--help"]) is None  # typer answers help
    assert _plain_validate(["run"]) is None


def test_validate_as_a_process_imports_nothing_it_does_not_use():
    """What a person waits for is the process: typer, rich, duckdb and xlsxwriter cost about
    half a second to import and the check uses none of them."""
    import subprocess
    import sys

    code = (
        "import sys; from cj_pipeline.entry import main; sys.argv = ['cj-pipeline', 'validate', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('typer', 'rich', 'duckdb', 'xlsxwriter', 'polars', 'dagster') if m in sys.modules)\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "pass" / "complete.xlsx")], capture_output=True, text=True
    )
    assert "ACCEPTED" in out.stdout, out.stderr
    assert "HEAVY []" in out.stdout


def test_every_line_fits_80_columns_and_names_are_whole():
    result = runner.invoke(app, ["validate", str(FIXTURES / "fail" / "measure_numeric.xlsx")])
    assert all(len(line) <= 80 for line in result.output.splitlines())
    assert "sheet 'Local measures', C5" in result.output
