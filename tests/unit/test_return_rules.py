"""The return rules against their fixtures (tests/fixtures/{pass,fail}), DfE-screener style.

Regenerate the fixtures with: .venv/bin/python tests/fixtures/make_fixtures.py
"""

from pathlib import Path

import pytest

from cj_pipeline.lib.core.problems import ERROR, WARNING
from cj_pipeline.lib.returns.rules import RULES, STAGES, rule_name
from cj_pipeline.lib.returns.rules.measures import measure_legacy_marker
from cj_pipeline.lib.returns.validate import validate_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ERROR_RULES = [rule for rule in RULES if rule.SEVERITY == ERROR]
WARNING_RULES = [rule for rule in RULES if rule.SEVERITY == WARNING]
CLEAN_PASS = ["complete.xlsx", "complete.csv", "messy_layout.xlsx", "csv_rows_same_place_other_spellings.csv"]


def _codes(receipt, severity):
    return {issue["code"] for issue in receipt["issues"] if issue["severity"] == severity}


def _warning_fixture(rule) -> Path:
    matches = sorted((FIXTURES / "pass").glob(f"{rule_name(rule)}*"))
    assert matches, f"no pass fixture for warning rule {rule_name(rule)}"
    return matches[0]


def _fail_fixture(rule) -> Path:
    """fail/<rule>.xlsx, or fail/<rule>.csv for a rule about the CSV variant."""
    matches = [FIXTURES / "fail" / f"{rule_name(rule)}.{ext}" for ext in ("xlsx", "csv")]
    found = [path for path in matches if path.exists()]
    assert len(found) == 1, f"no (or two) fail fixtures for {rule_name(rule)}"
    return found[0]


def test_every_rule_is_complete_and_has_a_fixture():
    for rule in RULES:
        assert rule.SEVERITY in (ERROR, WARNING) and rule.STAGE in STAGES
        assert rule.CODE and rule.CHECKS and callable(rule.check)
        if rule.SEVERITY == ERROR:
            _fail_fixture(rule)
        else:
            _warning_fixture(rule)


def test_every_fail_fixture_belongs_to_a_registered_rule():
    names = {rule_name(rule) for rule in ERROR_RULES}
    assert {path.stem for path in (FIXTURES / "fail").glob("*.*")} == names


@pytest.mark.parametrize("rule", ERROR_RULES, ids=rule_name)
def test_fail_fixture_fails_with_exactly_its_rule_code(rule):
    receipt = validate_file(_fail_fixture(rule))
    assert receipt["status"] == "rejected"
    assert _codes(receipt, ERROR) == {rule.CODE}
    assert _codes(receipt, WARNING) == set()
    for issue in receipt["issues"]:
        assert issue["message"] and issue["guidance"] and issue["sheet"]


@pytest.mark.parametrize("rule", WARNING_RULES, ids=rule_name)
def test_warning_fixture_passes_with_exactly_its_warning(rule):
    receipt = validate_file(_warning_fixture(rule))
    assert receipt["status"] == "accepted"
    assert _codes(receipt, ERROR) == set()
    assert _codes(receipt, WARNING) == {rule.CODE}


@pytest.mark.parametrize("name", CLEAN_PASS)
def test_pass_fixture_is_accepted_without_issues(name):
    receipt = validate_file(FIXTURES / "pass" / name)
    assert receipt["status"] == "accepted", receipt["issues"]
    assert receipt["issues"] == []
    assert (receipt["area_code"], receipt["financial_year"]) == ("S12000047", "2023-24")


def _only_issue(name):
    receipt = validate_file(FIXTURES / "fail" / name)
    assert len(receipt["issues"]) == 1, receipt["issues"]
    return receipt["issues"][0]


def test_issue_names_sheet_cell_and_value():
    issue = _only_issue("measure_numeric.xlsx")
    assert (issue["sheet"], issue["cell"], issue["value"]) == ("Local measures", "C5", "approx 40")
    assert "'approx 40'" in issue["message"] and "LM6.1" in issue["message"]


def test_unknown_area_suggests_the_closest():
    issue = _only_issue("cover_area.xlsx")
    assert (issue["sheet"], issue["cell"]) == ("Cover", "B4")
    assert "'Edinbrugh'" in issue["message"] and "Did you mean 'Edinburgh'" in issue["message"]


def test_impossible_year_is_named():
    issue = _only_issue("cover_year.xlsx")
    assert issue["cell"] == "B5" and "'2024-26'" in issue["message"]


def test_numerator_over_denominator_names_both():
    issue = _only_issue("measure_numerator_le_denominator.xlsx")
    assert issue["cell"] == "C5" and "500" in issue["message"] and "100" in issue["message"]


def test_missing_evidence_item_is_named():
    issue = _only_issue("evidence_items.xlsx")
    assert "LE3.2" in issue["message"]


def test_structural_error_stops_the_content_stage():
    # The missing sheet would also leave every measure missing; only the cause is reported.
    receipt = validate_file(FIXTURES / "fail" / "required_sheets.xlsx")
    assert [issue["code"] for issue in receipt["issues"]] == ["missing_sheet"]
    assert receipt["issues"][0]["sheet"] == "Local measures"


def test_csv_rows_of_another_area_or_year_are_named():
    receipt = validate_file(FIXTURES / "fail" / "csv_rows_area_year.csv")
    differing = [i for i in receipt["issues"] if i["code"] == "row_area_year_differs"]
    assert {(i["cell"], i["value"]) for i in differing} == {("A50", "Angus"), ("A51", "Angus"), ("B59", "2022-23")}
    assert all("Row " in i["message"] and "wrong" in i["message"] for i in differing)


def test_count_rules_read_every_numerator_and_denominator_once():
    # measure_numeric, measure_negative and measure_legacy_marker share count_cells: each
    # Numerator and Denominator of the sheet, in order, labelled by its measure id.
    from cj_pipeline.lib.core.workbook import open_table_file
    from cj_pipeline.lib.returns.reader import read_return
    from cj_pipeline.lib.returns.rules._helpers import count_cells
    from cj_pipeline.settings import get_settings

    path = FIXTURES / "pass" / "complete.xlsx"
    ret = read_return(open_table_file(path.read_bytes(), path.name, get_settings()), path.name)
    cells = list(count_cells(ret))
    records = ret.sections["Local measures"].records
    assert len(cells) == 2 * len(records) > 0
    first_id = records[0]["Measure ID"].text
    assert [label for label, _ in cells[:2]] == [f"Numerator of {first_id}", f"Denominator of {first_id}"]
    assert [cell.ref for _, cell in cells[:2]] == [records[0]["Numerator"].ref, records[0]["Denominator"].ref]
    # Each rule's issue opens with that label.
    for fixture in (FIXTURES / "fail" / "measure_negative.xlsx", _warning_fixture(measure_legacy_marker)):
        issue = validate_file(fixture)["issues"][0]
        assert issue["message"].startswith(("Numerator of LM", "Denominator of LM")), issue["message"]
