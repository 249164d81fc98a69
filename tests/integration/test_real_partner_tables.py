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
from cj_pipeline.lib.partners.extract import PartnerReading, extract
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


def read(source: str, relative: str, path: Path | None = None) -> PartnerReading:
    path = path or REAL / relative
    return extract(path.read_bytes(), path.name, source, load_recipes(source))


def by_key(result: PartnerReading):
    return {(v.area_code, v.financial_year, v.measure): v for v in result.values}


def accepted(result: PartnerReading) -> PartnerReading:
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


def test_legacy_xls_with_another_header_split_is_rejected_whole_without_or_splits():
    from dataclasses import replace

    shipped = next(r for r in load_recipes("criminal_proceedings") if r.name == "legacy_table_7_main_penalty")
    one_split = replace(shipped, header=replace(shipped.header, other_splits=()))
    path = REAL / "sg_criminal_proceedings/criminal_proceedings-1112-tables.xls"
    result = extract(path.read_bytes(), path.name, "criminal_proceedings", [one_split])
    assert not result.accepted
    (issue,) = [i for i in result.issues if i.severity == "error"]
    assert issue.code == "column_not_found" and issue.sheet == "Table 7"
    assert "legacy_table_7_main_penalty" in issue.message


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
    result = read("population", "nrs_other/nrs-drug-related-deaths-scotland-2024.xlsx")
    (issue,) = result.issues
    assert issue.code == "no_recipe"
    assert "nrs_mid_year_16plus (files mid-year-pop-est-*-data.xlsx)" in issue.message
    assert "recorded_crime_population_sheet" in issue.message
    assert "nrs_long_mid_year_16plus (files Mid-year population estimates*.xlsx)" in issue.message


# --- layouts added to the recipe format: each on a real table, values read by hand ------------

LONG_NRS = "nrs_population/Mid-year population estimates.xlsx"
LEGACY_1112 = "sg_criminal_proceedings/criminal_proceedings-1112-tables.xls"
LEGACY_1314 = "sg_criminal_proceedings/criminal_proceedings-1314-tables.xls"
ORKNEY = "S12000023"


def test_sum_over_rows_with_a_numeric_filter_long_nrs_file():
    """The shipped nrs_long_mid_year_16plus recipe: one row per area, year, sex and age, summed to 16+.

    By hand (calamine, sheet 'Mid-year population estimates'): Orkney Islands 2018 is rows
    124126-124307; females aged 16 start at E124142 (121) and 90+ end at E124216 (129); males
    16 at E124233 (108) to 90+ at E124307 (70). The 150 cells E124142:E124216 and
    E124233:E124307 add up to 18,646 (summed with a one-line script over those cells).
    """
    result = accepted(read("population", LONG_NRS))
    got = by_key(result)
    assert len(result.values) == 33 * 21  # Scotland and 32 councils, mid-1998 ... mid-2018
    orkney = got[(ORKNEY, "2018-19", "population_16plus")]
    assert (orkney.value, orkney.cell) == (18_646, "E124142:E124216,E124233:E124307")
    assert orkney.raw_value == "sum of 150 cells" and orkney.recipe == "nrs_long_mid_year_16plus"
    assert got[(SCOTLAND_CODE, "2018-19", "population_16plus")].value == 4_518_598
    # the filter keeps ages 16 and over only: Orkney's all-ages total for mid-2018 is larger
    assert got[(ORKNEY, "2018-19", "population_16plus")].value < 22_190


TABLE_9_RECIPE = """
files = ["reconvictions-*-offender-cohort-main-publication-tables.xlsx"]
[table]
sheet = "Table 9"
[header]
labels = ["Index disposal", "Number of offenders"]
[groups]
column = "Index disposal"
keep = "Discharged from Custody"      # written 'Discharged from Custody3' (footnote 3)
[areas]
fixed = "Scotland"
[years]
column = "Index disposal"             # the cohort year, in the rows under the block's label
[[measures]]
id = "released_offenders"
column = "Number of offenders"
[[measures]]
id = "released_reconviction_rate"
column = "Reconviction rate"
"""
TABLE_9_UNITS = {"released_offenders": "count", "released_reconviction_rate": "percent"}


def test_grouped_blocks_reconvictions_table_9():
    """A block label on its own row heads the rows below it. By hand: Table 9 A5 is
    'Discharged from Custody3'; A6 '1997-98' B6 6,133 C6 48.4; A26 '2017-18' B26 5,719 C26 41.0;
    the next block starts at A27 'Extended Sentences' (whose ' - ' cells are not read)."""
    import tomllib

    recipe = parse_recipe(
        tomllib.loads(TABLE_9_RECIPE), "table_9", "reconvictions", Path("table_9.toml"), TABLE_9_UNITS
    )
    path = REAL / RECONVICTIONS
    result = accepted(extract(path.read_bytes(), path.name, "reconvictions", [recipe]))
    got = by_key(result)
    assert len(result.values) == 21 * 2  # 1997-98 ... 2017-18, two measures, one block
    first = got[(SCOTLAND_CODE, "1997-98", "released_offenders")]
    assert (first.value, first.cell) == (6_133, "B6")
    assert got[(SCOTLAND_CODE, "1997-98", "released_reconviction_rate")].value == 48.4
    last = got[(SCOTLAND_CODE, "2017-18", "released_offenders")]
    assert (last.value, last.cell) == (5_719, "B26")
    assert got[(SCOTLAND_CODE, "2017-18", "released_reconviction_rate")].value == 41.0
    assert max(int(v.cell[1:]) for v in result.values) == 26  # nothing from the blocks below


def test_grouped_blocks_name_the_blocks_when_the_label_is_gone():
    import tomllib

    text = TABLE_9_RECIPE.replace('keep = "Discharged from Custody"', 'keep = "Released from Custody"')
    recipe = parse_recipe(tomllib.loads(text), "table_9", "reconvictions", Path("table_9.toml"), TABLE_9_UNITS)
    path = REAL / RECONVICTIONS
    result = extract(path.read_bytes(), path.name, "reconvictions", [recipe])
    assert not result.accepted
    (error,) = [i for i in result.issues if i.severity == "error"]
    assert error.code == "group_not_found"
    assert "'released from custody'" in error.message and "Discharged from Custody3" in error.message


LGBF_RECIPE = """
files = ["lgbf-*.csv"]
[table]
sheet = "*"
[header]
labels = ["Indicators_Information_Code", "LA_Information_LocalAuthority", "LA_Data_LGBF_Year"]
[filters]
"Indicators_Information_Code" = "CHN01"
[areas]
column = "LA_Information_LocalAuthority"
[years]
column = "LA_Data_LGBF_Year"
[[measures]]
id = "cost_per_primary_pupil"
column = "LA_Data_LA_IndicatorReal"
area_columns = { Scotland = "Scotland_Data_Scotland_Indicator_Real" }
"""


def test_fixed_area_column_beside_area_rows_lgbf_scotland_columns():
    """LGBF has no Scotland rows: Scotland's value is repeated in a column of every council row.
    By hand (the CSV opened as text): row 221 is CHN01, Fife, 2019-20, D221 6384.0829 and
    G221 6912.8907; row 11 (Aberdeen City, 2019-20) repeats G11 6912.8907."""
    import tomllib

    recipe = parse_recipe(
        tomllib.loads(LGBF_RECIPE), "lgbf_chn01", "lgbf", Path("lgbf.toml"), {"cost_per_primary_pupil": "ratio"}
    )
    path = REAL / "other_council_tables" / "lgbf-family-groups-source.csv"
    result = accepted(extract(path.read_bytes(), path.name, "lgbf", [recipe]))
    got = by_key(result)
    fife = got[(FIFE, "2019-20", "cost_per_primary_pupil")]
    assert (fife.value, fife.cell) == (6384.0829, "D221")
    scotland = got[(SCOTLAND_CODE, "2019-20", "cost_per_primary_pupil")]
    assert (scotland.value, scotland.cell) == (6912.8907, "G11")  # read once, from the first row of the year
    assert sum(1 for v in result.values if v.area_code == SCOTLAND_CODE and v.financial_year == "2019-20") == 1


def test_fixed_area_column_that_disagrees_between_rows_is_an_error():
    import tomllib

    text = LGBF_RECIPE.replace('"Scotland_Data_Scotland_Indicator_Real"', '"LA_Data_LA_Den_Real"')
    recipe = parse_recipe(
        tomllib.loads(text), "lgbf_chn01", "lgbf", Path("lgbf.toml"), {"cost_per_primary_pupil": "ratio"}
    )
    path = REAL / "other_council_tables" / "lgbf-family-groups-source.csv"
    result = extract(path.read_bytes(), path.name, "lgbf", [recipe])
    assert not result.accepted
    assert {i.code for i in result.issues if i.severity == "error"} == {"area_column_disagrees"}


@pytest.mark.parametrize(
    ("relative", "year", "custody", "cell"),
    [
        # By hand: 2011-12 file, Table 7: '% change' in L4 above '2010-11 to 2011-12' in L5, years
        # on row 5 with 'Main penalty'; Custody 2011-12 is K7 = 15,880.
        (LEGACY_1112, "2011-12", 15_880, "K7"),
        # 2013-14 file: years on row 4 with 'Main penalty', '2012-13 to 2013-14' below in L5;
        # Custody 2013-14 is K7 = 14,101.
        (LEGACY_1314, "2013-14", 14_101, "K7"),
    ],
)
def test_one_recipe_reads_either_header_split(relative, year, custody, cell):
    result = accepted(read("criminal_proceedings", relative))
    got = by_key(result)
    value = got[(SCOTLAND_CODE, year, "disposals_custody")]
    assert (value.value, value.cell, value.recipe) == (custody, cell, "legacy_table_7_main_penalty")
    assert len(result.values) == 40  # ten years x four disposal groups
    # the modern recipe's glob matches too, and it steps aside with a note
    (note,) = [i for i in result.issues if i.code == "recipe_stepped_aside"]
    assert note.severity == "warning" and "table_7a_main_penalty" in note.message and "'Table_7a'" in note.message


def test_the_modern_recipe_reads_its_file_and_the_legacy_one_steps_aside():
    result = accepted(
        read("criminal_proceedings", "sg_criminal_proceedings/criminal-proceedings-scotland-2022-23-main-tables.xlsx")
    )
    assert {v.recipe for v in result.values} == {"table_7a_main_penalty"}
    assert [i.code for i in result.issues if i.code == "recipe_stepped_aside"] == ["recipe_stepped_aside"]


def test_when_no_matching_recipe_finds_its_table_the_receipt_shows_what_each_looked_for(tmp_path):
    path = tmp_path / "criminal_proceedings-2030-tables.xlsx"
    shutil.copyfile(REAL / CRIME, path)  # a workbook with neither Table 7 nor Table_7a
    result = read("criminal_proceedings", "", path)
    assert not result.accepted
    errors = [i for i in result.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["sheet_not_found", "sheet_not_found"]
    assert "legacy_table_7_main_penalty" in errors[0].message and "'Table 7'" in errors[0].message
    assert "table_7a_main_penalty" in errors[1].message and "'Table_7a'" in errors[1].message
    assert not any(i.code == "recipe_stepped_aside" for i in result.issues)
