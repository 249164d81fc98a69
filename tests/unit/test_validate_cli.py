"""`cj-pipeline validate` through typer's CliRunner: exit codes, JSON receipt, readable table."""

import json
from pathlib import Path

from typer.testing import CliRunner

from cj_pipeline import cli
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


def test_rejected_return_exits_1_with_a_table_naming_cell_and_value(monkeypatch):
    monkeypatch.setattr(cli.console, "width", 200)  # a wide terminal: no wrapping inside cells
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
