"""The partner reader on small fixture files: both layouts, every messy feature, every rejection.

Fixtures are written by tests/fixtures/partners/make_partner_fixtures.py (committed);
the folder under pass/ or fail/ is the partner source.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cj_pipeline.lib.core.workbook import OpenedFile, Sheet, open_table_file
from cj_pipeline.lib.partners.extract import PartnerReading, extract_opened
from cj_pipeline.lib.partners.measures import measure_units, unknown_source_issue
from cj_pipeline.lib.partners.recipe import load_recipes
from cj_pipeline.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "partners"
FIFE, EDINBURGH, EILEAN_SIAR, GLASGOW, ARGYLL = "S12000047", "S12000036", "S12000013", "S12000049", "S12000035"
SCOTLAND = "S92000003"


def parse_partner_file(opened: OpenedFile, source: str, file_name: str) -> PartnerReading:
    """An opened file read by the fallback recipes (the data contract's two layouts), as a
    file of `source` that no recipe names is read; a source not in the seed is refused."""
    units = measure_units(source)
    if not units:
        return PartnerReading(source, file_name, issues=[*opened.issues, unknown_source_issue(source, file_name)])
    recipes = [recipe for recipe in load_recipes(source, units=units, builtin=True) if recipe.fallback]
    return extract_opened(opened, file_name, source, recipes)


def parse(relative: str):
    path = FIXTURES / relative
    opened = open_table_file(path.read_bytes(), path.name, get_settings(FIXTURES))
    return parse_partner_file(opened, path.parent.name, path.name)


def values(result) -> dict[tuple[str, str, str], tuple[float | None, str | None, str, str]]:
    return {(v.area_code, v.financial_year, v.measure): (v.value, v.marker, v.sheet, v.cell) for v in result.values}


def issues(result, severity=None) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell, i.value) for i in result.issues if severity in (None, i.severity)]


def test_fixture_script_is_deterministic(tmp_path):
    """The committed script regenerates exactly the committed bytes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_partner_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.passing(tmp_path / "pass")
    module.failing(tmp_path / "fail")
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(FIXTURES) for p in FIXTURES.glob("[pf]a*/**/*") if p.is_file())
    assert made == committed
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (FIXTURES / relative).read_bytes(), relative


# --- long layout, xlsx: title rows, Contents/Notes ignored, markers, aliases, retired codes ---


def test_long_xlsx_reads_every_value_with_its_cell():
    result = parse("pass/jsws/jsws_long.xlsx")
    assert result.accepted
    assert result.tables_read == ["Table 1", "Table 2"]  # Contents and Notes are not data
    assert values(result) == {
        # numbers, thousands separator as text, number as text with spaces
        (FIFE, "2023-24", "diversion_assessments"): (1234.0, None, "Table 1", "C5"),
        (FIFE, "2023-24", "diversion_commenced"): (1100.0, None, "Table 1", "D5"),
        (FIFE, "2023-24", "diversion_completed"): (56.0, None, "Table 1", "E5"),
        # legacy markers: * -> [c], .. -> [x], - -> [z], n/a -> [z]
        (EDINBURGH, "2023-24", "diversion_assessments"): (None, "[c]", "Table 1", "C6"),
        (EDINBURGH, "2023-24", "diversion_commenced"): (None, "[x]", "Table 1", "D6"),
        (EDINBURGH, "2023-24", "diversion_completed"): (None, "[z]", "Table 1", "E6"),
        (EILEAN_SIAR, "2023-24", "diversion_assessments"): (None, "[z]", "Table 1", "C7"),
        (EILEAN_SIAR, "2023-24", "diversion_commenced"): (None, "[c]", "Table 1", "D7"),
        (EILEAN_SIAR, "2023-24", "diversion_completed"): (None, "[low]", "Table 1", "E7"),
        # retired code S12000046 -> Glasgow City; number + marker
        (GLASGOW, "2023-24", "diversion_assessments"): (123.0, "[p]", "Table 1", "C8"),
        (GLASGOW, "2023-24", "diversion_commenced"): (45.0, "[r]", "Table 1", "D8"),
        (GLASGOW, "2023-24", "diversion_completed"): (None, "[x]", "Table 1", "E8"),
        # odd case, spaces, '&' and trailing Council; the empty D9 records nothing
        (ARGYLL, "2023-24", "diversion_assessments"): (10.0, None, "Table 1", "C9"),
        (ARGYLL, "2023-24", "diversion_completed"): (3.0, "[p] [r]", "Table 1", "E9"),
        # the partner's Scotland row is read as S92000003
        (SCOTLAND, "2023-24", "diversion_assessments"): (5000.0, None, "Table 1", "C10"),
        (SCOTLAND, "2023-24", "diversion_commenced"): (4000.0, None, "Table 1", "D10"),
        (SCOTLAND, "2023-24", "diversion_completed"): (3000.0, None, "Table 1", "E10"),
        # a second data sheet in the same workbook
        (FIFE, "2024-25", "diversion_assessments"): (1300.0, None, "Table 2", "C3"),
        (FIFE, "2024-25", "diversion_commenced"): (1200.0, None, "Table 2", "D3"),
        (FIFE, "2024-25", "diversion_completed"): (1000.0, None, "Table 2", "E3"),
    }


def test_long_xlsx_warnings_name_every_skipped_or_reinterpreted_cell():
    result = parse("pass/jsws/jsws_long.xlsx")
    assert issues(result) == [
        ("legacy_marker", "Table 1", "C6", "*"),
        ("legacy_marker", "Table 1", "D6", ".."),
        ("legacy_marker", "Table 1", "E6", "-"),
        ("legacy_marker", "Table 1", "C7", "n/a"),
        ("empty_cells", "Table 1", None, None),
        ("note_rows_ignored", "Table 1", None, None),
    ]
    assert all(i.severity == "warning" for i in result.issues)
    messages = {i.code: i.message for i in result.issues}
    assert "D9" in messages["empty_cells"] and "A12" in messages["note_rows_ignored"]
    assert result.empty_cells == 1


# --- wide layout: measure from the csv file stem and from the xlsx sheet name ---


def test_wide_csv_with_bom_takes_the_measure_from_the_file_stem():
    result = parse("pass/police_custody/custody_referrals.csv")
    assert result.accepted and issues(result) == []
    sheet = "custody_referrals"
    assert values(result) == {
        (FIFE, "2023-24", "custody_referrals"): (1234.0, None, sheet, "B3"),
        (FIFE, "2024-25", "custody_referrals"): (56.0, None, sheet, "C3"),  # header written 2024/25
        ("S12000017", "2023-24", "custody_referrals"): (7.0, None, sheet, "B4"),
        ("S12000017", "2024-25", "custody_referrals"): (None, "[c]", sheet, "C4"),
        (SCOTLAND, "2023-24", "custody_referrals"): (2000.0, None, sheet, "B5"),
        (SCOTLAND, "2024-25", "custody_referrals"): (1900.0, None, sheet, "C5"),
    }


def test_wide_xlsx_takes_the_measure_from_the_sheet_name():
    result = parse("pass/phs_treatment/phs_wide.xlsx")
    assert result.accepted and result.tables_read == ["treatment_transfers"]
    assert values(result) == {
        ("S12000023", "2022-23", "treatment_transfers"): (3.0, None, "treatment_transfers", "B3"),
        ("S12000023", "2023-24", "treatment_transfers"): (4.0, None, "treatment_transfers", "C3"),
        (SCOTLAND, "2022-23", "treatment_transfers"): (900.0, None, "treatment_transfers", "B4"),
        (SCOTLAND, "2023-24", "treatment_transfers"): (950.0, None, "treatment_transfers", "C4"),
    }


# --- csv encodings and the other sources ---


def test_cp1252_csv_with_pound_and_en_dash_in_the_title():
    result = parse("pass/homelessness/homelessness_cp1252.csv")
    assert result.accepted and issues(result) == []
    assert values(result) == {
        ("S12000042", "2023-24", "homeless_apps_prison"): (1020.0, None, "homelessness_cp1252", "C3"),
        (SCOTLAND, "2023-24", "homeless_apps_prison"): (4100.0, None, "homelessness_cp1252", "C4"),
    }


def test_utf8_csv_without_bom():
    result = parse("pass/employability/employability_nobom.csv")
    assert result.accepted and issues(result) == []
    assert values(result) == {
        (GLASGOW, "2023-24", "employability_participants"): (2500.0, None, "employability_nobom", "C2"),
        (GLASGOW, "2023-24", "employability_participants_convictions"): (300.0, None, "employability_nobom", "D2"),
    }


def test_criminal_proceedings_all_disposal_groups():
    result = parse("pass/criminal_proceedings/disposals.csv")
    assert result.accepted
    got = {k[2]: v[0] for k, v in values(result).items() if k[:2] == ("S12000048", "2023-24")}
    assert got == {
        "disposals_custody": 100,
        "disposals_community": 200,
        "disposals_financial": 300,
        "disposals_other": 40,
    }


def test_population_mid_year_maps_to_the_financial_year_starting_that_year():
    result = parse("pass/population/population_midyear.csv")
    assert result.accepted
    assert values(result) == {
        (FIFE, "2023-24", "population_16plus"): (310000.0, None, "population_midyear", "C3"),
        (FIFE, "2024-25", "population_16plus"): (311500.0, None, "population_midyear", "C4"),
    }


def test_population_mid_year_as_an_xlsx_number():
    opened = OpenedFile(sheets=[Sheet("Pop", [["Area", "Year", "population_16plus"], ["Fife", 2021.0, 300000.0]])])
    result = parse_partner_file(opened, "population", "pop.xlsx")
    assert values(result) == {(FIFE, "2021-22", "population_16plus"): (300000.0, None, "Pop", "C2")}


def test_population_with_financial_year_column():
    result = parse("pass/population/population_fy.xlsx")
    assert result.accepted
    assert values(result) == {(FIFE, "2022-23", "population_16plus"): (309000.0, None, "Population", "C2")}


def test_a_mid_year_is_not_accepted_for_other_sources():
    opened = OpenedFile(sheets=[Sheet("T", [["Area", "Year", "custody_referrals"], ["Fife", "2024", 5]])])
    result = parse_partner_file(opened, "police_custody", "t.xlsx")
    assert not result.accepted
    assert issues(result) == [("invalid_year", "T", "B2", "2024")]


def test_scjs_scotland_row_with_confidence_interval():
    result = parse("pass/scjs/scjs.csv")
    assert result.accepted and issues(result) == []
    assert values(result) == {
        (SCOTLAND, "2023-24", "pct_agree_community_sentence"): (51.2, None, "scjs", "C2"),
        (SCOTLAND, "2023-24", "ci_lower"): (49.0, None, "scjs", "D2"),
        (SCOTLAND, "2023-24", "ci_upper"): (53.4, None, "scjs", "E2"),
    }


def test_area_row_with_every_value_empty_records_nothing_but_says_so():
    rows = [["Area", "Financial year", "custody_referrals"], ["Fife", "2023-24", None], ["Moray", "2023-24", 4]]
    result = parse_partner_file(OpenedFile(sheets=[Sheet("T", rows)]), "police_custody", "t.xlsx")
    assert result.accepted
    assert values(result) == {("S12000020", "2023-24", "custody_referrals"): (4.0, None, "T", "C3")}
    assert issues(result) == [("empty_cells", "T", None, None)]
    assert "C2" in result.issues[0].message


# --- one file per rejection reason: exact code, sheet, cell and value ---

REJECTIONS = [
    ("fail/jsws/unknown_area.csv", [("unknown_area", "unknown_area", "A3", "Fyfe")]),
    (
        "fail/jsws/unknown_measure_column.csv",
        [("unknown_measure", "unknown_measure_column", "D1", "diversion_started")],
    ),
    ("fail/jsws/unreadable_value.csv", [("not_a_number", "unreadable_value", "C2", "approx 40")]),
    ("fail/jsws/negative_count.csv", [("negative_count", "negative_count", "D2", "-5")]),
    (
        "fail/jsws/duplicate_area.csv",
        [
            ("duplicate_value", "duplicate_area", "C3", "11"),
            ("duplicate_value", "duplicate_area", "D3", "9"),
            ("duplicate_value", "duplicate_area", "E3", "8"),
        ],
    ),
    ("fail/jsws/no_header.csv", [("no_table", None, None, None)]),
    ("fail/jsws/header_no_data.csv", [("no_values", None, None, None)]),
    ("fail/jsws/value_without_header.csv", [("value_without_header", "value_without_header", "F2", "77")]),
    ("fail/jsws/empty_file.csv", [("empty_file", None, None, None)]),
    ("fail/police_custody/wide_non_year_column.xlsx", [("unknown_column", "custody_referrals", "C1", "Notes")]),
    ("fail/scjs/local_area.csv", [("scotland_only", "local_area", "A2", "Fife")]),
    ("fail/probation/unknown_source.csv", [("unknown_source", None, None, "probation")]),
]


@pytest.mark.parametrize(("relative", "expected"), REJECTIONS, ids=[r[0].split("/")[-1] for r in REJECTIONS])
def test_each_rejection_names_code_sheet_cell_and_value(relative, expected):
    result = parse(relative)
    assert not result.accepted
    assert issues(result, "error") == expected
    for issue in result.issues:
        assert issue.message and issue.guidance  # says what is wrong and how to fix it


def test_unknown_area_suggests_the_closest():
    (issue,) = parse("fail/jsws/unknown_area.csv").issues
    assert "'Fyfe'" in issue.message and "Did you mean 'Fife'?" in issue.message


def test_duplicate_names_both_cells_and_the_alias_hint():
    issue = parse("fail/jsws/duplicate_area.csv").issues[0]
    assert "also at duplicate_area!C2" in issue.message
    assert "S12000015" in issue.guidance


def test_duplicate_across_two_sheets_is_caught():
    header = ["Area", "Financial year", "custody_referrals"]
    opened = OpenedFile(
        sheets=[Sheet("A", [header, ["Fife", "2023-24", 1]]), Sheet("B", [header, ["Fife", "2023-24", 2]])]
    )
    result = parse_partner_file(opened, "police_custody", "t.xlsx")
    assert not result.accepted
    assert issues(result) == [("duplicate_value", "B", "C2", "2")]
    assert "A!C2" in result.issues[0].message


def test_unknown_area_row_without_values_is_a_note_not_dropped_silently():
    rows = [
        ["Area", "Financial year", "custody_referrals"],
        ["Fife", "2023-24", 1],
        ["Source: Police Scotland", None, None],
    ]
    result = parse_partner_file(OpenedFile(sheets=[Sheet("T", rows)]), "police_custody", "t.xlsx")
    assert result.accepted
    assert issues(result) == [("note_rows_ignored", "T", None, None)]
    assert "A3" in result.issues[0].message


def test_wide_layout_with_a_sheet_name_that_is_not_a_measure():
    opened = OpenedFile(sheets=[Sheet("Table 1", [["Area", "2023-24"], ["Fife", 5]])])
    result = parse_partner_file(opened, "police_custody", "x.xlsx")
    assert not result.accepted
    assert issues(result) == [("unknown_measure", "Table 1", "A1", "Table 1")]
    assert "custody_referrals" in result.issues[0].guidance
