"""The template workbook as Excel sees it (openpyxl), and the round trip for every area."""

import openpyxl
import pytest

from cj_pipeline.lib.core.seeds import area_names, local_authorities, local_measure_catalogue
from cj_pipeline.lib.returns.layout import ASSESSMENTS, EVIDENCE_STATUSES, LOCAL_OUTCOME_TYPES
from cj_pipeline.lib.returns.template import COUNT_CELL_HELP, GUIDANCE_LINES, count_cell_rule, write_template
from cj_pipeline.lib.returns.validate import validate_file
from tests.fixtures.make_fixtures import fill_blank_template

YEAR = "2024-25"
INPUT_SHEETS = ("Cover", "Local evidence", "Local measures", "Outcome assessment", "Local outcomes")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = write_template(tmp_path_factory.mktemp("template") / "blank.xlsx", "S12000047", YEAR)
    return openpyxl.load_workbook(path)


def _validations(sheet, kind):
    return [dv for dv in sheet.data_validations.dataValidation if dv.type == kind]


@pytest.mark.parametrize(
    ("sheet", "column", "choices"),
    [
        ("Local evidence", "D", EVIDENCE_STATUSES),
        ("Outcome assessment", "C", ASSESSMENTS),
        ("Local outcomes", "C", LOCAL_OUTCOME_TYPES),
    ],
)
def test_dropdowns_offer_exactly_the_choices(workbook, sheet, column, choices):
    lists = _validations(workbook[sheet], "list")
    assert len(lists) == 1
    assert lists[0].formula1.strip('"').split(",") == list(choices)
    assert str(lists[0].sqref).startswith(f"{column}5:{column}")


def test_count_cells_take_a_whole_number_or_a_marker_and_say_so(workbook):
    (rule,) = _validations(workbook["Local measures"], "custom")
    assert str(rule.sqref) == "C5:D9" and rule.formula1 == count_cell_rule("C5") and rule.allow_blank
    assert len(rule.formula1) <= 255 and len(rule.error) <= 255  # Excel's limits
    for marker in ("[x]", "[c]", "40 [e]", "whole number"):
        assert marker in rule.error and marker in COUNT_CELL_HELP
    guidance = " ".join(line for line in GUIDANCE_LINES)
    assert COUNT_CELL_HELP in guidance


def test_guidance_comes_first_and_the_cover_links_to_it(workbook):
    assert workbook.sheetnames[0] == "Guidance"
    links = [cell.hyperlink.location for row in workbook["Cover"].iter_rows() for cell in row if cell.hyperlink]
    assert "'Guidance'!A1" in links


def test_each_measure_names_its_numerator_and_denominator(workbook):
    sheet = workbook["Local measures"]
    for offset, item in enumerate(local_measure_catalogue()):
        text = sheet.cell(5 + offset, 2).value
        assert f"Numerator: {item['numerator_label']}" in text and f"Denominator: {item['denominator_label']}" in text
        assert sheet.row_dimensions[5 + offset].height >= 15 * 3  # three lines shown, not run over the next row


def test_wrapped_text_gets_rows_tall_enough(workbook):
    for name, col, width in (("Local evidence", 3, 70), ("Guidance", 1, 110)):
        sheet = workbook[name]
        for row in range(2, sheet.max_row + 1):
            text = sheet.cell(row, col).value
            if isinstance(text, str) and len(text) > width * 1.1:
                assert sheet.cell(row, col).alignment.wrap_text, (name, row)
                assert (sheet.row_dimensions[row].height or 15) >= 15 * (len(text) // int(width * 1.1) + 1), (name, row)


def test_sheets_protected_and_only_input_cells_unlocked(workbook):
    for name in (*INPUT_SHEETS, "Guidance"):
        assert workbook[name].protection.sheet, name
    evidence = workbook["Local evidence"]
    assert evidence["A5"].protection.locked and evidence["C5"].protection.locked
    assert not evidence["D5"].protection.locked and not evidence["E5"].protection.locked
    measures = workbook["Local measures"]
    assert not measures["C5"].protection.locked and not measures["D5"].protection.locked
    cover = workbook["Cover"]
    assert cover["B4"].protection.locked and cover["B5"].protection.locked  # area and year are set for the area
    assert not cover["B6"].protection.locked


def test_cover_carries_area_and_year(workbook):
    assert (workbook["Cover"]["B4"].value, workbook["Cover"]["B5"].value) == ("Fife", YEAR)


@pytest.mark.parametrize("area", [row["area_code"] for row in local_authorities()])
def test_blank_template_filled_in_excel_is_accepted_for_every_area(tmp_path, area):
    path = write_template(tmp_path / f"{area_names()[area]}_{YEAR}.xlsx", area, YEAR)
    blank = validate_file(path)
    assert blank["status"] == "rejected"  # a blank return is not a return
    fill_blank_template(path)
    receipt = validate_file(path)
    assert receipt["status"] == "accepted", receipt["issues"]
    assert receipt["issues"] == []
    assert (receipt["area_code"], receipt["financial_year"]) == (area, YEAR)
