"""Table recipes on synthetic workbooks: every layout feature, passing and failing.

Each workbook is written with xlsxwriter in the layouts the real publications use
(see ../shared/real-tables/PROVENANCE.md); the real files are read in
tests/integration/test_real_partner_tables.py.
"""

from __future__ import annotations

import io
import textwrap
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import xlsxwriter

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.partners.extract import extract
from cj_pipeline.lib.partners.recipe import RecipeError, load_recipe, load_recipes, parse_recipe
from cj_pipeline.settings import get_settings

FIFE, ANGUS = "S12000047", "S12000041"
FRONT = {"Cover sheet": [["Recorded crime"]], "Contents": [["Table 1", "Crimes"]], "Notes": [["Note 7", "A note"]]}


def xlsx(sheets: dict[str, list[list[object]]], formats: dict[tuple[str, int, int], str] | None = None) -> bytes:
    """A workbook of the given sheets (rows of cells); formats: (sheet, row, col) -> number format."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles: dict[str, object] = {}
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                fmt = (formats or {}).get((name, r, c))
                style = styles.setdefault(fmt, book.add_format({"num_format": fmt})) if fmt else None
                if value is not None:
                    sheet.write(r, c, value, style)
    book.close()
    return buffer.getvalue()


def recipe(text: str, source: str = "recorded_crime", name: str = "test_recipe"):
    return parse_recipe(tomllib.loads(textwrap.dedent(text)), name, source, Path(f"data/recipes/{source}/{name}.toml"))


def run(data: bytes, text: str, source: str = "recorded_crime", file_name: str = "table.xlsx", settings=None):
    return extract(data, file_name, source, [recipe(text, source)], settings)


def values(extraction) -> dict[tuple[str, str, str], tuple[float | None, str | None]]:
    return {(v.area_code, v.financial_year, v.measure): (v.value, v.marker) for v in extraction.values}


def errors(extraction) -> list[str]:
    return [f"{i.code}: {i.message}" for i in extraction.issues if i.severity == "error"]


# A wide-by-year table in the SG filter-table layout: title, filter note, header on row 3.
CRIME_ROWS = [
    ["Table 1: Crimes recorded by the police, Scotland, 2022-23 to 2024-25"],
    ["Note: There is a filter available"],
    [
        "Local Authority",
        "Crime group",
        "Crime type",
        "2022-23",
        "2023/24",
        "2024-25 [note 7]",
        "% change 23-24 to 24-25",
    ],
    ["Scotland", "Total Crimes", "Total", 300, 310, 320, 3.2],
    ["Scotland", "Violence", "Total", 30, 31, 32, 3.2],
    ["Fife", "Total Crimes", "Total", 20, "n/l", 22, 1.0],
    ["Edinburgh, City of", "Total Crimes", "Total", 40, 41, "x", 1.0],
    ["Return to index"],
]
CRIME_RECIPE = """
    files = ["*.xlsx"]
    [table]
    sheet = "Table_1"
    end_labels = ["Return to index"]
    ignore_columns = ["% change *"]
    [header]
    labels = ["Local Authority", "Crime group"]
    [filters]
    "Crime group" = "Total Crimes"
    "Crime type" = "Total"
    [areas]
    column = "Local Authority"
    [years]
    across = true
    [[measures]]
    id = "recorded_crimes"
"""


def crime_book(rows=CRIME_ROWS) -> bytes:
    return xlsx({**FRONT, "Table_1": rows})


# -- layouts that pass ---------------------------------------------------------------


def test_years_across_with_note_tags_slashes_filters_and_bare_markers():
    result = run(crime_book(), CRIME_RECIPE)
    assert result.accepted, errors(result)
    got = values(result)
    assert got[(SCOTLAND_CODE, "2024-25", "recorded_crimes")] == (320.0, None)
    assert got[(SCOTLAND_CODE, "2023-24", "recorded_crimes")] == (310.0, None)
    assert got[(FIFE, "2023-24", "recorded_crimes")] == (None, "[z]")  # n/l
    assert got[("S12000036", "2024-25", "recorded_crimes")] == (None, "[x]")  # bare x; "Edinburgh, City of"
    assert len(got) == 9  # the Violence row is filtered out; the % change column ignored
    lineage = next(v for v in result.values if v.area_code == FIFE and v.financial_year == "2022-23")
    assert (lineage.sheet, lineage.cell, lineage.raw_value, lineage.recipe) == ("Table_1", "D6", "20.0", "test_recipe")


def test_table_chosen_by_title_skips_front_matter():
    text = CRIME_RECIPE.replace('sheet = "Table_1"', 'title = "Table 1: Crimes recorded by the police*"')
    book = xlsx({"Contents": [["Table 1: Crimes recorded by the police, Scotland"]], "Table_1": CRIME_ROWS})
    assert run(book, text).accepted


def test_areas_down_rows_measures_by_column_year_from_title_footnote_digits_and_skips():
    rows = [
        ["Return to Index"],
        ["Table 13: Reconviction rates by local authority: 2017-18 cohort1"],
        [],
        ["Local Authority", "Number of offenders", "Reconviction rate"],
        ["All", 100, 26.3],
        ["Fife", 20, 25.2],
        ["Other2", 5, 9.2],
        ["Unknown3", 7, 29.9],
        ["1. These data are experimental statistics."],
    ]
    text = """
        files = ["reconvictions-*.xlsx"]
        [table]
        sheet = "Table 13"
        [header]
        labels = ["Local Authority"]
        [areas]
        column = "Local Authority"
        scotland = ["All"]
        skip = ["Other", "Unknown"]
        footnote_digits = true
        [years]
        from_title = true
        [[measures]]
        id = "offenders"
        column = "Number of offenders"
        [[measures]]
        id = "reconviction_rate"
        column = "Reconviction rate"
    """
    result = run(xlsx({"Table 13 ": rows}), text, "reconvictions", "reconvictions-2017-18-tables.xlsx")
    assert result.accepted, errors(result)
    assert values(result) == {
        (SCOTLAND_CODE, "2017-18", "offenders"): (100.0, None),
        (SCOTLAND_CODE, "2017-18", "reconviction_rate"): (26.3, None),
        (FIFE, "2017-18", "offenders"): (20.0, None),
        (FIFE, "2017-18", "reconviction_rate"): (25.2, None),
    }
    assert any(i.code == "note_rows_ignored" for i in result.issues)


def test_population_sum_over_columns_filters_and_mid_year_from_title():
    header = ["Area name", "Area code", "Area type", "Sex", "All ages", "0", "15", "16", "17", "90 and over"]
    rows = [
        ["Table 1: Estimated population by sex and single year of age, Scotland, mid-2022"],
        ["This worksheet contains one table."],
        header,
        ["Scotland", "S92000003", "Country", "Persons", 60, 10, 10, 10, 10, 20],
        ["Scotland", "S92000003", "Country", "Females", 30, 5, 5, 5, 5, 10],
        ["Fife", "S12000047", "Council area", "Persons", 6, 1, 1, 1, 1, 2],
        ["Fife", "S08000029", "Health board", "Persons", 6, 1, 1, 1, 1, 2],
    ]
    text = """
        files = ["mid-year-pop-est-*-data.xlsx"]
        [table]
        sheet = "Table 1"
        [header]
        labels = ["Area name", "Area code"]
        [filters]
        Sex = "Persons"
        "Area type" = ["Council area", "Country"]
        [areas]
        column = "Area code"
        [years]
        from_title = true
        calendar = "mid_year"
        [[measures]]
        id = "population_16plus"
        column_range = ["16", "90 and over"]
    """
    result = run(xlsx({"Table 1": rows}), text, "population", "mid-year-pop-est-22-data.xlsx")
    assert result.accepted, errors(result)
    assert values(result) == {
        (SCOTLAND_CODE, "2022-23", "population_16plus"): (40.0, None),
        (FIFE, "2022-23", "population_16plus"): (4.0, None),
    }
    assert result.values[0].cell == "H4:J4"


def test_measures_down_rows_chosen_by_label_with_format_markers():
    rows = [
        ["Table 7(a) People convicted by main penalty, 2021-22 to 2022-23"],
        ["This worksheet contains one table."],
        ["Main penalty", "2021-22", "2022-23", "Change 2021-22 to 2022-23 (%)"],
        ["Total", 100, 110, "n/r"],
        ["All custody", 0, 8923, 9.0],
        ["Prison", 5, 6, 1.0],
        ["All other sentences", 0, 12, 1.0],
        ["Return to table of contents"],
    ]
    fmt = '[=0]"-";[<0.5]"[low]";#,##0""'
    formats = {("Table_7a", r, c): fmt for r in range(3, 7) for c in (1, 2)}
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "Table_7a"
        row_label_column = "Main penalty"
        ignore_columns = ["Change *"]
        [header]
        labels = ["Main penalty"]
        [areas]
        fixed = "Scotland"
        [years]
        across = true
        [markers]
        "-" = "0"
        [[measures]]
        id = "disposals_custody"
        row = "All custody"
        [[measures]]
        id = "disposals_other"
        row = "All other sentences"
    """
    result = run(xlsx({"Table_7a": rows}, formats), text, "criminal_proceedings")
    assert result.accepted, errors(result)
    assert values(result) == {
        (SCOTLAND_CODE, "2021-22", "disposals_custody"): (0.0, None),  # stored 0 shown as "-" (nil)
        (SCOTLAND_CODE, "2022-23", "disposals_custody"): (8923.0, None),
        (SCOTLAND_CODE, "2021-22", "disposals_other"): (0.0, None),
        (SCOTLAND_CODE, "2022-23", "disposals_other"): (12.0, None),
    }


# Scotland's custody disposals: one row of a table whose years run across the header.
CUSTODY_ROW_RECIPE = """
    files = ["*.xlsx"]
    [table]
    sheet = "T"
    row_label_column = "Main penalty"
    [header]
    labels = ["Main penalty"]
    [areas]
    fixed = "Scotland"
    [years]
    across = true
    [[measures]]
    id = "disposals_custody"
    row = "All custody"
"""


def test_format_marker_with_the_default_map_is_the_marker():
    rows = [["Main penalty", "2022-23"], ["All custody", 0]]
    formats = {("T", 1, 1): '[=0]"-   ";[<0.5]"*   ";0"   "'}
    result = run(xlsx({"T": rows}, formats), CUSTODY_ROW_RECIPE, "criminal_proceedings")
    assert values(result) == {(SCOTLAND_CODE, "2022-23", "disposals_custody"): (None, "[z]")}  # "-" by default
    no_formats = run(
        xlsx({"T": rows}, formats),
        CUSTODY_ROW_RECIPE.replace("row_label_column", "number_formats = false\nrow_label_column"),
        "criminal_proceedings",
    )
    assert values(no_formats) == {(SCOTLAND_CODE, "2022-23", "disposals_custody"): (0.0, None)}


def test_small_value_shown_as_low_keeps_the_value_with_the_marker():
    rows = [["Aspect", "Subcategory", "Agree"], ["Total", "All respondents", 0.004]]
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "A16"
        [header]
        labels = ["Aspect", "Agree"]
        [areas]
        fixed = "Scotland"
        [years]
        fixed = "2023/24"
        [[measures]]
        id = "pct_agree_community_sentence"
        column = "Agree"
        scale = 100
    """
    formats = {("A16", 1, 2): '[=0]"-";[<0.5]"[low]";0.0'}
    result = run(xlsx({"A16": rows}, formats), text, "scjs")
    assert values(result) == {(SCOTLAND_CODE, "2023-24", "pct_agree_community_sentence"): (0.4, "[low]")}


def test_split_header_and_stacked_tables():
    rows = [
        ["Return to index"],
        ["Table 7  People with a charge proved by main penalty"],
        [None, None, None, "Number"],
        ["Main penalty", "2012-13", "2013-14", "% change"],
        [None, None, None, "2012-13 to 2013-14"],
        ["Total1 ", 200, 210, 5.0],
        ["Custody", 20, 21, 5.0],
        ["1. Includes unknown sentences."],
        [None, None, None, "Percentage"],
        ["Main penalty", "2012-13", "2013-14"],
        ["Total", "2010-11", "2011-12"],
        ["Custody", 10.0, 10.0],
    ]
    text = """
        files = ["*.xls*"]
        [table]
        sheet = "Table 7"
        row_label_column = "Main penalty"
        ignore_columns = ["% change *"]
        [header]
        labels = ["Main penalty"]
        rows_below = 1
        [areas]
        fixed = "Scotland"
        [years]
        across = true
        [[measures]]
        id = "disposals_custody"
        row = "Custody"
    """
    result = run(xlsx({"Table 7": rows}), text, "criminal_proceedings")
    assert result.accepted, errors(result)
    assert values(result) == {
        (SCOTLAND_CODE, "2012-13", "disposals_custody"): (20.0, None),
        (SCOTLAND_CODE, "2013-14", "disposals_custody"): (21.0, None),
    }
    second = run(xlsx({"Table 7": rows}), text.replace("rows_below = 1", "occurrence = 2"), "criminal_proceedings")
    assert values(second)[(SCOTLAND_CODE, "2013-14", "disposals_custody")] == (10.0, None)
    third = run(xlsx({"Table 7": rows}), text.replace("rows_below = 1", "occurrence = 3"), "criminal_proceedings")
    assert "occurrence 3" in errors(third)[0]


def test_areas_across_years_down_rows_with_calendar_years():
    rows = [
        ["Table C1: Deaths by council area"],
        ["Year", "Sex", "Scotland", "Fife", "Angus", "Health boards total"],
        [2023, "Persons", 100, 10, 5, 1],
        [2023, "Females", 50, 5, 2, 1],
        ["2024", "Persons", 110, 11, "[x]", 1],
    ]
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "Table_C1"
        [header]
        labels = ["Year", "Sex"]
        [filters]
        Sex = "Persons"
        [areas]
        across = true
        skip = ["Health boards total"]
        [years]
        column = "Year"
        calendar = "mid_year"
        [[measures]]
        id = "population_all_ages"
    """
    result = run(xlsx({"Table_C1": rows}), text, "population")
    assert result.accepted, errors(result)
    got = values(result)
    assert got[(FIFE, "2023-24", "population_all_ages")] == (10.0, None)
    assert got[(ANGUS, "2024-25", "population_all_ages")] == (None, "[x]")
    assert len(got) == 6


def test_long_csv_with_uris_four_digit_end_years_and_crlf():
    lines = ["refArea,refPeriod,measureType,value"]
    for code, year, value in ((FIFE, "2015-2016", 2507), (SCOTLAND_CODE, "2016-2017", 34726)):
        lines.append(
            f"http://statistics.gov.scot/id/statistical-geography/{code},"
            f"http://reference.data.gov.uk/id/government-year/{year},"
            f"http://statistics.gov.scot/def/measure-properties/count,{value}"
        )
    lines.append(
        f"http://statistics.gov.scot/id/statistical-geography/{FIFE},"
        "http://reference.data.gov.uk/id/government-year/2015-2016,"
        "http://statistics.gov.scot/def/measure-properties/ratio,7.5"
    )
    text = """
        files = ["sparql-*.csv"]
        [table]
        sheet = "*"
        [header]
        labels = ["refArea", "refPeriod", "value"]
        [filters]
        measureType = "count"
        [areas]
        column = "refArea"
        [years]
        column = "refPeriod"
        [[measures]]
        id = "homeless_apps_all"
        column = "value"
    """
    data = ("\r\n".join(lines) + "\r\n").encode()
    result = run(data, text, "homelessness", "sparql-1.csv")
    assert result.accepted, errors(result)
    assert values(result) == {
        (FIFE, "2015-16", "homeless_apps_all"): (2507.0, None),
        (SCOTLAND_CODE, "2016-17", "homeless_apps_all"): (34726.0, None),
    }


def test_year_from_file_name_and_scale():
    rows = [["Aspect", "Subcategory", "Agree"], ["Total", "All respondents", 0.57094]]
    text = """
        files = ["scjs-*.xlsx"]
        [table]
        sheet = "A16"
        [header]
        labels = ["Aspect", "Agree"]
        [filters]
        Subcategory = "All respondents"
        [areas]
        fixed = "Scotland"
        [years]
        from_file_name = true
        [[measures]]
        id = "pct_agree_community_sentence"
        column = "Agree"
        scale = 100
    """
    result = run(xlsx({"A16": rows}), text, "scjs", "scjs-2023-24-annex.xlsx")
    assert values(result) == {(SCOTLAND_CODE, "2023-24", "pct_agree_community_sentence"): (57.094, None)}


@pytest.mark.parametrize(
    ("spelling", "marker"),
    [
        ("n/r", "[x]"),
        ("n/l", "[z]"),
        ("x", "[x]"),
        ("z", "[z]"),
        ("low", "[low]"),
        ("[ns]", "[z]"),
        ("[u]", "[u]"),
        ("[l]", "[u]"),
        ("..", "[x]"),
        ("-", "[z]"),
        ("*", "[c]"),
        ("[c]", "[c]"),
        (" N/R ", "[x]"),
    ],
)
def test_every_marker_spelling_maps_to_the_gss_set(spelling, marker):
    rows = [row[:] for row in CRIME_ROWS]
    rows[5] = ["Fife", "Total Crimes", "Total", spelling, 21, 22, 1.0]
    assert values(run(crime_book(rows), CRIME_RECIPE))[(FIFE, "2022-23", "recorded_crimes")] == (None, marker)


def test_long_file_needs_max_rows(tmp_path):
    lines = ["Area,Year,Population"] + [f"Fife,{1900 + i % 100},{i}" for i in range(100_005)]
    lines[1] = "Fife,2015,123456789"
    data = "\n".join(lines).encode()
    text = """
        files = ["long.csv"]
        [table]
        sheet = "*"
        [header]
        labels = ["Area", "Year"]
        [filters]
        Population = "123456789"
        [areas]
        column = "Area"
        [years]
        column = "Year"
        calendar = "mid_year"
        [[measures]]
        id = "population_all_ages"
        column = "Population"
    """
    settings = get_settings(tmp_path)
    refused = run(data, text, "population", "long.csv", settings)
    assert [i.code for i in refused.issues] == ["too_many_rows"]
    accepted = run(data, "max_rows = 200000\n" + textwrap.dedent(text), "population", "long.csv", settings)
    assert values(accepted) == {(FIFE, "2015-16", "population_all_ages"): (123456789.0, None)}


# -- a recipe that no longer matches its table, or a table that is wrong -----------


def test_header_not_found_names_recipe_sheet_and_first_rows():
    rows = [row[:] for row in CRIME_ROWS]
    rows[2][0] = "Council"
    result = run(crime_book(rows), CRIME_RECIPE)
    assert not result.accepted and not result.values
    (message,) = errors(result)
    assert message.startswith(
        "header_not_found: recipe 'recorded_crime/test_recipe': header 'Local Authority' "
        "not found in rows 1-8 of Table_1; the first rows are: row 1: Table 1: Crimes"
    )
    assert "row 3: Council | Crime group" in message


def test_sheet_renamed_lists_the_sheets():
    result = run(xlsx({**FRONT, "Table 1": CRIME_ROWS}), CRIME_RECIPE)
    assert errors(result) == [
        "sheet_not_found: recipe 'recorded_crime/test_recipe': no sheet named 'Table_1'; the "
        "sheets are 'Cover sheet', 'Contents', 'Notes', 'Table 1'."
    ]


def test_title_not_found_and_ambiguous():
    text = CRIME_RECIPE.replace('sheet = "Table_1"', 'title = "Table 1: *"')
    assert "title_not_found" in errors(run(xlsx({"Table_1": [["Table 2: other"]]}), text))[0]
    both = run(xlsx({"Table_1": CRIME_ROWS, "Table_1b": CRIME_ROWS}), text)
    assert "title_ambiguous" in errors(both)[0]


def test_new_unknown_column_is_an_error_until_ignored():
    rows = [row + ["Rank"] if i == 2 else row for i, row in enumerate(CRIME_ROWS)]
    assert "unexpected_column" in errors(run(crime_book(rows), CRIME_RECIPE))[0]


def test_filter_matching_nothing_and_missing_filter_column():
    text = CRIME_RECIPE.replace('"Total Crimes"', '"All crimes"')
    assert (
        "filter_matched_nothing: recipe 'recorded_crime/test_recipe': no row of Table_1 has Crime group = all crimes"
        in errors(run(crime_book(), text))[0]
    )
    text = CRIME_RECIPE.replace('"Crime type" = "Total"', '"Crime subtype" = "Total"')
    assert (
        "filter column 'Crime subtype' not found in the header (row 3) of Table_1" in errors(run(crime_book(), text))[0]
    )


def test_unknown_area_with_values_rejects_the_whole_file():
    rows = [row[:] for row in CRIME_ROWS]
    rows[5][0] = "Fyfe"
    result = run(crime_book(rows), CRIME_RECIPE)
    assert not result.accepted
    assert any("'Fyfe' is not a Scottish local authority" in e for e in errors(result))


def test_non_area_rows_not_named_in_skip_are_errors():
    rows = [["Local Authority", "Number of offenders"], ["Fife", 1], ["Other2", 5]]
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "T"
        [header]
        labels = ["Local Authority"]
        [areas]
        column = "Local Authority"
        footnote_digits = true
        [years]
        fixed = "2017-18"
        [[measures]]
        id = "offenders"
        column = "Number of offenders"
    """
    assert any(
        "'Other' is not a Scottish local authority" in e for e in errors(run(xlsx({"T": rows}), text, "reconvictions"))
    )


def test_row_not_found_lists_the_rows():
    rows = [["Main penalty", "2022-23"], ["Custodial sentences", 5]]
    assert errors(run(xlsx({"T": rows}), CUSTODY_ROW_RECIPE, "criminal_proceedings")) == [
        "row_not_found: recipe 'criminal_proceedings/test_recipe': row 'All custody' not found in column "
        "'Main penalty' of T; the rows are: Custodial sentences."
    ]


def test_year_in_title_must_be_the_only_one():
    rows = [["Reconvictions, 2016-17 and 2017-18 cohorts"], ["Local Authority", "Number of offenders"], ["Fife", 1]]
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "T"
        [header]
        labels = ["Local Authority"]
        [areas]
        column = "Local Authority"
        [years]
        from_title = true
        [[measures]]
        id = "offenders"
        column = "Number of offenders"
    """
    assert "it names 2016-17, 2017-18" in errors(run(xlsx({"T": rows}), text, "reconvictions"))[0]


def test_unreadable_value_unknown_marker_and_unknown_format_marker():
    rows = [row[:] for row in CRIME_ROWS]
    rows[5][3] = "n/k"
    result = run(crime_book(rows), CRIME_RECIPE)
    issue = next(i for i in result.issues if i.severity == "error")
    assert (issue.code, issue.cell, issue.value) == ("not_a_number", "D6", "n/k")
    assert "add it to [markers] in recipe 'recorded_crime/test_recipe'" in issue.guidance
    formats = {("Table_1", 3, 3): '[=0]"nil";0'}
    rows = [row[:] for row in CRIME_ROWS]
    rows[3][3] = 0
    assert "shows 'nil'" in errors(run(xlsx({"Table_1": rows}, formats), CRIME_RECIPE))[0]


def test_count_must_be_whole_after_scaling_and_range_must_run_forwards():
    rows = [row[:] for row in CRIME_ROWS]
    rows[3][3] = 300.5
    assert "not_a_count" in errors(run(crime_book(rows), CRIME_RECIPE))[0]
    rows = [["Area code", "16", "90 and over"], [FIFE, 1, 2]]
    text = """
        files = ["*.xlsx"]
        [table]
        sheet = "T"
        [header]
        labels = ["Area code"]
        [areas]
        column = "Area code"
        [years]
        fixed = "2022-23"
        [[measures]]
        id = "population_16plus"
        column_range = ["90 and over", "16"]
    """
    assert "column_range_reversed" in errors(run(xlsx({"T": rows}), text, "population"))[0]


def test_duplicate_values_are_an_error():
    rows = CRIME_ROWS[:6] + [["Fife", "Total Crimes", "Total", 1, 2, 3, 0]] + CRIME_ROWS[6:]
    assert any(
        e.startswith("duplicate_value") and "at D6 and D7" in e for e in errors(run(crime_book(rows), CRIME_RECIPE))
    )


def test_no_recipe_for_the_file_lists_the_recipes():
    result = extract(
        b"x", "other.xlsx", "recorded_crime", [recipe(CRIME_RECIPE.replace('["*.xlsx"]', '["crime-*.xlsx"]'))]
    )
    assert errors(result) == [
        "no_recipe: No recipe for recorded_crime reads a file named 'other.xlsx'. The "
        "recorded_crime recipes are: test_recipe (files crime-*.xlsx)."
    ]
    assert "There are no recipes for homelessness" in errors(extract(b"x", "a.csv", "homelessness", []))[0]


def test_unreadable_xls_is_refused_before_calamine():
    result = run(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, CRIME_RECIPE.replace("*.xlsx", "*.xls"), file_name="t.xls"
    )
    assert [i.code for i in result.issues] == ["unreadable_xls"]
    assert [
        i.code for i in run(b"not an ole file", CRIME_RECIPE.replace("*.xlsx", "*.xls"), file_name="t.xls").issues
    ] == ["unreadable_xls"]


def test_limits_apply_to_xlsx_through_the_safe_opener(tmp_path):
    settings = replace(get_settings(tmp_path), max_rows=5)
    assert [i.code for i in run(crime_book(), CRIME_RECIPE, settings=settings).issues] == ["too_many_rows"]


# -- loading recipe files -------------------------------------------------------------


def write(tmp_path: Path, text: str, source: str = "recorded_crime") -> Path:
    path = tmp_path / source / "r.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[years]", "[years]\nacross_cols = true"), "unknown key 'across_cols' in [years]"),
        (("[table]", "[table]\nsheets = 'x'"), "unknown key 'sheets' in [table]; allowed keys there are: sheet, title"),
        (('files = ["*.xlsx"]', 'files = ["*.xlsx"]\ncolour = "red"'), "unknown key 'colour' in the top level"),
        (("across = true", "across = 'yes'"), "'across' in [years] must be true/false, not 'yes'"),
        (("across = true", "across = true\ncolumn = 'Year'"), "[years] needs exactly one of column, across"),
        (('id = "recorded_crimes"', 'id = "crimes"'), "measure 'crimes' is not a recorded_crime measure"),
        (
            ("[filters]", "[markers]\n'n/k' = 'unknown'\n[filters]"),
            "maps 'n/k' to 'unknown', which is not a GSS marker",
        ),
        (('sheet = "Table_1"', ""), "[table] needs exactly one of sheet, title; it gives none"),
        (("[[measures]]", "[[measures]]\nrow = 'Total'"), "measures chosen by 'row' need row_label_column"),
        (('labels = ["Local Authority", "Crime group"]', "labels = []"), "[header] needs 'labels'"),
    ],
)
def test_recipe_errors_name_the_key_and_file(tmp_path, change, expected):
    path = write(tmp_path, CRIME_RECIPE.replace(*change))
    with pytest.raises(RecipeError) as raised:
        load_recipe(path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_layout_needs_one_source_of_value_columns(tmp_path):
    text = CRIME_RECIPE.replace('id = "recorded_crimes"', 'id = "recorded_crimes"\ncolumn = "2022-23"')
    with pytest.raises(RecipeError, match="exactly one of areas.across, years.across or measures given by column"):
        load_recipe(write(tmp_path, text))


def test_invalid_toml_is_a_recipe_error(tmp_path):
    with pytest.raises(RecipeError, match="not valid TOML"):
        load_recipe(write(tmp_path, "files = [\n"))


@pytest.mark.parametrize(
    "source", ["population", "recorded_crime", "reconvictions", "homelessness", "criminal_proceedings"]
)
def test_shipped_recipes_load(source):
    recipes = load_recipes(source)
    assert recipes and all(r.source == source for r in recipes)
