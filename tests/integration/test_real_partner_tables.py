"""The shipped recipes on real published partner files, read unaltered from ../shared/real-tables/.

Every expected value below was checked by hand: the file opened with calamine and the
cell read (the cell is asserted too). The files are never copied into this repository;
when the folder is absent (a clone without the shared data) these tests skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE, local_authorities
from cj_pipeline.lib.partners.extract import Extraction, extract
from cj_pipeline.lib.partners.recipe import load_recipes, parse_recipe
from cj_pipeline.settings import PROJECT_ROOT

REAL = (PROJECT_ROOT / ".." / "shared" / "real-tables").resolve()
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real partner tables are not here ({REAL}); they live outside the repository"
)

FIFE, GLASGOW, SHETLAND, ABERDEEN_CITY = "S12000047", "S12000049", "S12000027", "S12000033"
ALL_AREAS = {a["area_code"] for a in local_authorities()} | {SCOTLAND_CODE}
CRIME = "sg_recorded_crime_police_scotland/recorded-crime-2024-25-bulletin-tables.xlsx"
RECONVICTIONS = "sg_reconvictions/reconvictions-2017-18-offender-cohort-main-publication-tables.xlsx"


def read(source: str, relative: str, path: Path | None = None) -> Extraction:
    path = path or REAL / relative
    return extract(path.read_bytes(), path.name, source, load_recipes(source))


def by_key(result: Extraction):
    return {(v.area_code, v.financial_year, v.measure): v for v in result.values}


def accepted(result: Extraction) -> Extraction:
    assert result.accepted, [i.message for i in result.issues]
    return result


def test_nrs_mid_year_population_aged_16_plus():
    result = accepted(read("population", "nrs_population/mid-year-pop-est-22-data.xlsx"))
    got = by_key(result)
    assert len(result.values) == 33
    assert {v.area_code for v in result.values} == ALL_AREAS
    assert {v.financial_year for v in result.values} == {"2022-23"}
    assert got[(FIFE, "2022-23", "population_16plus")].value == 309_719
    assert got[(GLASGOW, "2022-23", "population_16plus")].value == 526_634
    scotland = got[(SCOTLAND_CODE, "2022-23", "population_16plus")]
    assert scotland.value == 4_555_808
    assert (scotland.sheet, scotland.cell, scotland.recipe) == ("Table 1", "V5:CR5", "nrs_mid_year_16plus")


def test_population_sheet_of_the_recorded_crime_workbook():
    result = accepted(read("population", CRIME))
    got = by_key(result)
    assert len(result.values) == 33 * 9
    assert {v.financial_year for v in result.values} == {f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2024)}
    assert {v.area_code for v in result.values} == ALL_AREAS
    first = got[(SCOTLAND_CODE, "2015-16", "population_all_ages")]
    assert (first.value, first.sheet, first.cell) == (5_350_600, "Population", "B3")
    assert got[(FIFE, "2023-24", "population_all_ages")].value == 373_210  # J17, mid-2023
    assert got[("S12000036", "2023-24", "population_all_ages")].value == 523_250  # "Edinburgh City"


def test_recorded_crime_table_1_total_crimes():
    result = accepted(read("recorded_crime", CRIME))
    got = by_key(result)
    assert len(result.values) == 33 * 10
    assert {v.area_code for v in result.values} == ALL_AREAS
    assert {v.financial_year for v in result.values} == {f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2025)}
    scotland = got[(SCOTLAND_CODE, "2015-16", "recorded_crimes")]
    assert (scotland.value, scotland.sheet, scotland.cell) == (306_274, "Table_1", "D4")
    assert got[(SCOTLAND_CODE, "2017-18", "recorded_crimes")].value == 304_215  # header "2017-18 [note 7]"
    assert got[(FIFE, "2024-25", "recorded_crimes")].value == 18_901
    assert got[(FIFE, "2024-25", "recorded_crimes")].cell == "M564"
    assert got[(GLASGOW, "2015-16", "recorded_crimes")].value == 52_777


def test_reconvictions_table_13():
    result = accepted(read("reconvictions", RECONVICTIONS))
    got = by_key(result)
    assert len(result.values) == 33 * 3  # Other2 and Unknown3 skipped
    assert {v.area_code for v in result.values} == ALL_AREAS
    assert {v.financial_year for v in result.values} == {"2017-18"}
    offenders = got[(SCOTLAND_CODE, "2017-18", "offenders")]  # the row labelled "All"
    assert (offenders.value, offenders.sheet, offenders.cell) == (36_700, "Table 13", "B5")
    assert got[(SCOTLAND_CODE, "2017-18", "reconviction_rate")].value == 26.3
    assert got[(SCOTLAND_CODE, "2017-18", "reconvictions_per_offender")].value == 0.46
    assert got[(FIFE, "2017-18", "offenders")].value == 2_110
    assert got[(SHETLAND, "2017-18", "reconviction_rate")].value == 11.8
    assert got[("S12000036", "2017-18", "offenders")].value == 2_143  # "Edinburgh, City of"


def test_homelessness_statistics_gov_scot_csv():
    result = accepted(read("homelessness", "sg_homelessness/sparql-269b10-POST.csv"))
    got = by_key(result)
    assert len(result.values) == 66
    assert {v.area_code for v in result.values} == ALL_AREAS
    assert {v.financial_year for v in result.values} == {"2015-16", "2016-17"}
    fife = got[(FIFE, "2015-16", "homeless_apps_all")]
    assert (fife.value, fife.cell) == (2_507, "E30")
    assert got[(SCOTLAND_CODE, "2016-17", "homeless_apps_all")].value == 34_726


def test_criminal_proceedings_2022_23_table_7a():
    result = accepted(
        read("criminal_proceedings", "sg_criminal_proceedings/criminal-proceedings-scotland-2022-23-main-tables.xlsx")
    )
    got = by_key(result)
    assert len(result.values) == 4 * 10
    assert {v.area_code for v in result.values} == {SCOTLAND_CODE}
    assert {v.financial_year for v in result.values} == {f"{y}-{(y + 1) % 100:02d}" for y in range(2013, 2023)}
    custody = got[(SCOTLAND_CODE, "2022-23", "disposals_custody")]
    assert (custody.value, custody.sheet, custody.cell) == (8_923, "Table_7a", "K6")
    assert got[(SCOTLAND_CODE, "2013-14", "disposals_community")].value == 18_272
    assert got[(SCOTLAND_CODE, "2022-23", "disposals_financial")].value == 30_351
    assert got[(SCOTLAND_CODE, "2022-23", "disposals_other")].value == 12_547


def test_criminal_proceedings_2013_14_legacy_xls_table_7():
    result = accepted(read("criminal_proceedings", "sg_criminal_proceedings/criminal_proceedings-1314-tables.xls"))
    got = by_key(result)
    assert len(result.values) == 4 * 10  # the stacked percentage table is not read
    assert {v.financial_year for v in result.values} == {f"{y}-{(y + 1) % 100:02d}" for y in range(2004, 2014)}
    custody = got[(SCOTLAND_CODE, "2013-14", "disposals_custody")]
    assert (custody.value, custody.sheet, custody.cell) == (14_101, "Table 7", "K7")
    assert got[(SCOTLAND_CODE, "2004-05", "disposals_community")].value == 15_316  # "Community sentence "
    assert got[(SCOTLAND_CODE, "2013-14", "disposals_financial")].value == 57_812
    assert got[(SCOTLAND_CODE, "2013-14", "disposals_other")].value == 15_405  # "Other sentence1"


def test_legacy_xls_number_format_markers_are_read():
    """'Order for life-long restriction' stores 0.0 shown as '-' by the format [=0]"-";...;
    with the default marker map that is [z]; the shipped recipe maps '-' to a true zero."""
    shipped = next(r for r in load_recipes("criminal_proceedings") if r.name == "legacy_table_7_main_penalty")
    document = {
        "files": ["*.xls"],
        "table": {"sheet": "Table 7", "row_label_column": "Main penalty", "ignore_columns": ["% change *"]},
        "header": {"labels": ["Main penalty"], "rows_below": 1},
        "areas": {"fixed": "Scotland"},
        "years": {"across": True},
        "measures": [{"id": "disposals_custody", "row": "Order for life-long restriction"}],
    }
    probe = parse_recipe(document, "probe", "criminal_proceedings", shipped.path)
    data = (REAL / "sg_criminal_proceedings/criminal_proceedings-1314-tables.xls").read_bytes()
    got = by_key(extract(data, "criminal_proceedings-1314-tables.xls", "criminal_proceedings", [probe]))
    assert (
        got[(SCOTLAND_CODE, "2004-05", "disposals_custody")].value,
        got[(SCOTLAND_CODE, "2004-05", "disposals_custody")].marker,
    ) == (None, "[z]")
    assert got[(SCOTLAND_CODE, "2004-05", "disposals_custody")].raw_value == "0.0"
    assert got[(SCOTLAND_CODE, "2013-14", "disposals_custody")].value == 17


def test_legacy_xls_with_another_header_split_is_rejected_whole():
    result = read("criminal_proceedings", "sg_criminal_proceedings/criminal_proceedings-1112-tables.xls")
    assert not result.accepted
    (issue,) = [i for i in result.issues if i.severity == "error"]
    assert "legacy_table_7_main_penalty" in issue.message and issue.sheet == "Table 7"


def test_changed_header_rejects_the_file_naming_recipe_sheet_and_rows(tmp_path):
    from openpyxl import load_workbook

    copy = tmp_path / Path(RECONVICTIONS).name
    shutil.copy(REAL / RECONVICTIONS, copy)
    book = load_workbook(copy)
    book["Table 13"]["A4"] = "Council area"
    book.save(copy)
    result = read("reconvictions", RECONVICTIONS, copy)
    assert not result.accepted and not result.values
    (issue,) = [i for i in result.issues if i.severity == "error"]
    assert issue.code == "header_not_found" and issue.sheet == "Table 13"
    assert issue.message.startswith(
        "recipe 'reconvictions/table_13_local_authority': header 'Local Authority' not found in rows 1-30 of "
        "Table 13; the first rows are: row 1: Return to Index; row 2: Table 13: Reconviction rates"
    )


def test_renamed_sheet_rejects_the_file(tmp_path):
    from openpyxl import load_workbook

    copy = tmp_path / Path(RECONVICTIONS).name
    shutil.copy(REAL / RECONVICTIONS, copy)
    book = load_workbook(copy)
    book["Table 13"].title = "Table 13 (LA)"
    book.save(copy)
    (issue,) = [i for i in read("reconvictions", RECONVICTIONS, copy).issues if i.severity == "error"]
    assert issue.code == "sheet_not_found" and "'Table 13 (LA)'" in issue.message


def test_a_file_no_recipe_reads_lists_the_recipes():
    result = read("population", "nrs_population/Mid-year population estimates.xlsx")
    (issue,) = result.issues
    assert issue.code == "no_recipe"
    assert "nrs_mid_year_16plus (files mid-year-pop-est-*-data.xlsx)" in issue.message
    assert "recorded_crime_population_sheet" in issue.message
