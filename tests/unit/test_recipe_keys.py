"""The recipe keys that let the data contract's own layouts be a shipped recipe
(data/recipes/builtin/data_contract.toml): fallback, every_sheet, measure_ids,
legacy_markers, values_need_headers, or_layouts (with sources), and the seed's
Scotland-only check. Each has a passing and a failing table, read by the one engine.
"""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from cj_pipeline.lib.core.workbook import OpenedFile, Sheet
from cj_pipeline.lib.partners.extract import extract_opened
from cj_pipeline.lib.partners.recipe import RecipeError, load_recipes, parse_recipe

FIFE, MORAY, SCOTLAND = "S12000047", "S12000020", "S92000003"


def recipe(text: str, source: str = "police_custody", name: str = "test_recipe"):
    return parse_recipe(tomllib.loads(textwrap.dedent(text)), name, source, Path(f"data/recipes/{source}/{name}.toml"))


def read(sheets: dict[str, list[list[object]]], recipes, source="police_custody", file_name="t.xlsx"):
    opened = OpenedFile(sheets=[Sheet(name, rows) for name, rows in sheets.items()])
    return extract_opened(opened, file_name, source, recipes)


def values(result) -> dict[tuple[str, str, str], tuple[float | None, str | None, str, str]]:
    return {(v.area_code, v.financial_year, v.measure): (v.value, v.marker, v.sheet, v.cell) for v in result.values}


def problems(result, severity: str | None = None) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell, i.value) for i in result.issues if severity in (None, i.severity)]


LONG = """
    files = ["*"]
    measure_ids = "header"
    [table]
    sheet = "*"
    every_sheet = true
    [header]
    labels = ["Area", "Financial year"]
    [areas]
    column = "Area"
    [years]
    column = "Financial year"
"""
HEADER = ["Area", "Financial year", "custody_referrals"]


# --- every_sheet ------------------------------------------------------------------------------


def test_every_sheet_reads_each_sheet_holding_the_header_and_notes_the_others():
    sheets = {
        "Contents": [["Area", "Financial year", "custody_referrals"], ["Fife", "2023-24", 99]],  # front matter
        "A": [["Title"], HEADER, ["Fife", "2023-24", 1]],
        "Chart data": [["Some", "numbers"], [1, 2]],
        "B": [HEADER, ["Moray", "2024-25", 2]],
    }
    result = read(sheets, [recipe(LONG)])
    assert result.accepted and result.tables_read == ["A", "B"]
    assert values(result) == {
        (FIFE, "2023-24", "custody_referrals"): (1.0, None, "A", "C3"),
        (MORAY, "2024-25", "custody_referrals"): (2.0, None, "B", "C2"),
    }
    assert problems(result) == [("sheet_ignored", "Chart data", None, None)]


def test_every_sheet_with_no_sheet_holding_the_header_is_no_table():
    result = read({"A": [["Council", "Year"], ["Fife", "2023-24"]]}, [recipe(LONG)])
    assert not result.accepted
    assert problems(result, "error") == [("no_table", None, None, None)]
    assert "header row with Area and Financial year." in result.issues[-1].message


def test_every_sheet_catches_a_value_read_twice_across_sheets():
    result = read({"A": [HEADER, ["Fife", "2023-24", 1]], "B": [HEADER, ["Fife", "2023-24", 2]]}, [recipe(LONG)])
    assert problems(result, "error") == [("duplicate_value", "B", "C2", "2")]
    assert "A!C2" in result.issues[0].message


def test_every_sheet_needs_sheet_names():
    text = LONG.replace('sheet = "*"', 'title = "Table*"')
    with pytest.raises(RecipeError, match="every_sheet"):
        recipe(text)


# --- measure_ids ------------------------------------------------------------------------------


def test_measure_ids_from_the_header_read_every_measure_column():
    rows = [["Area", "Financial year", "Diversion_Assessments", "diversion_completed"], ["Fife", "2023-24", 5, 3]]
    result = read({"T": rows}, [recipe(LONG, "jsws")], "jsws")
    assert result.accepted
    assert values(result) == {
        (FIFE, "2023-24", "diversion_assessments"): (5.0, None, "T", "C2"),
        (FIFE, "2023-24", "diversion_completed"): (3.0, None, "T", "D2"),
    }


def test_measure_ids_from_the_header_refuse_a_column_that_is_not_a_measure():
    rows = [["Area", "Financial year", "diversion_started"], ["Fife", "2023-24", 5]]
    result = read({"T": rows}, [recipe(LONG, "jsws")], "jsws")
    assert problems(result, "error") == [("unknown_measure", "T", "C1", "diversion_started")]
    assert "diversion_assessments" in result.issues[0].guidance


WIDE = """
    files = ["*"]
    measure_ids = "sheet_name"
    [table]
    sheet = "*"
    [header]
    labels = ["Area"]
    [areas]
    column = "Area"
    [years]
    across = true
"""


def test_measure_id_from_the_sheet_name_and_from_a_csv_file_stem():
    result = read({"custody_referrals": [["Area", "2023-24"], ["Fife", 7]]}, [recipe(WIDE)])
    assert values(result) == {(FIFE, "2023-24", "custody_referrals"): (7.0, None, "custody_referrals", "B2")}
    # A CSV's one sheet is named after the file stem.
    result = read({"custody_referrals": [["Area", "2023-24"], ["Fife", 7]]}, [recipe(WIDE)], file_name="x.csv")
    assert result.accepted


def test_a_sheet_name_that_is_not_a_measure_is_refused_and_a_stray_column_is_unknown():
    result = read({"Table 1": [["Area", "2023-24"], ["Fife", 7]]}, [recipe(WIDE)])
    assert problems(result, "error") == [("unknown_measure", "Table 1", "A1", "Table 1")]
    result = read({"custody_referrals": [["Area", "2023-24", "Notes"], ["Fife", 7, "n"]]}, [recipe(WIDE)])
    assert problems(result, "error") == [("unknown_column", "custody_referrals", "C1", "Notes")]


def test_measure_ids_is_checked_when_the_recipe_loads():
    with pytest.raises(RecipeError, match="not one of: header, sheet_name"):
        recipe(LONG.replace('"header"', '"column"'))
    with pytest.raises(RecipeError, match=r"leave out \[\[measures\]\]"):
        recipe(LONG + '\n[[measures]]\nid = "custody_referrals"\n')


# --- legacy_markers ---------------------------------------------------------------------------


def test_legacy_markers_are_read_with_a_warning_and_other_spellings_without():
    text = LONG + '\n[legacy_markers]\n"*" = "[c]"\n".." = "[x]"\n'
    rows = [HEADER, ["Fife", "2023-24", "*"], ["Moray", "2023-24", "[c]"]]
    result = read({"T": rows}, [recipe(text)])
    assert result.accepted
    assert values(result)[(FIFE, "2023-24", "custody_referrals")][:2] == (None, "[c]")
    assert problems(result) == [("legacy_marker", "T", "C2", "*")]  # [c] in C3 is no legacy marker
    assert "read as [c]" in result.issues[0].message
    # Without the key the same file is read the same, with no warning.
    assert problems(read({"T": rows}, [recipe(LONG)])) == []


def test_default_markers_off_reads_only_the_gss_markers_and_the_recipe_s_own():
    text = LONG.replace('files = ["*"]', 'files = ["*"]\ndefault_markers = false')
    good = [HEADER, ["Fife", "2023-24", "[c]"], ["Moray", "2023-24", "12 [p]"]]
    result = read({"T": good}, [recipe(text)])
    assert result.accepted
    assert {(k[0], v[:2]) for k, v in values(result).items()} == {(FIFE, (None, "[c]")), (MORAY, (12.0, "[p]"))}
    # "x" (a publisher's shorthand) and "[p]" with no number are not markers of our own contract.
    bad = [HEADER, ["Fife", "2023-24", "x"], ["Moray", "2023-24", "[p]"]]
    assert problems(read({"T": bad}, [recipe(text)]), "error") == [
        ("not_a_number", "T", "C2", "x"),
        ("unknown_marker", "T", "C3", "[p]"),
    ]
    assert read({"T": bad}, [recipe(LONG)]).accepted  # the defaults know both spellings


def test_max_count_refuses_an_implausible_count_and_no_bound_without_it():
    text = LONG.replace('files = ["*"]', 'files = ["*"]\nmax_count = 1000')
    assert read({"T": [HEADER, ["Fife", "2023-24", 1000]]}, [recipe(text)]).accepted
    bad = read({"T": [HEADER, ["Fife", "2023-24", 1001]]}, [recipe(text)])
    assert problems(bad, "error") == [("implausible_count", "T", "C2", "1001")]
    assert read({"T": [HEADER, ["Fife", "2023-24", 123_456_789]]}, [recipe(LONG)]).accepted


# --- values_need_headers ----------------------------------------------------------------------


def test_values_need_headers_refuses_a_value_under_no_header():
    text = LONG.replace("every_sheet = true", "every_sheet = true\nvalues_need_headers = true")
    good = read({"T": [HEADER, ["Fife", "2023-24", 4]]}, [recipe(text)])
    assert good.accepted and problems(good) == []
    bad = read({"T": [[*HEADER, None], ["Fife", "2023-24", 4, 77]]}, [recipe(text)])
    assert problems(bad, "error") == [("value_without_header", "T", "D2", "77")]
    # Without the key the value is not read (and not refused).
    assert read({"T": [[*HEADER, None], ["Fife", "2023-24", 4, 77]]}, [recipe(LONG)]).accepted


# --- Scotland-only sources (from the seed's scotland_only column) -------------------------------


def test_a_scotland_only_source_takes_the_scotland_row_and_refuses_a_local_area():
    header = ["Area", "Financial year", "pct_agree_community_sentence"]
    good = read({"T": [header, ["Scotland", "2023-24", 51.2]]}, [recipe(LONG, "scjs")], "scjs")
    assert values(good) == {(SCOTLAND, "2023-24", "pct_agree_community_sentence"): (51.2, None, "T", "C2")}
    bad = read({"T": [header, ["Fife", "2023-24", 50]]}, [recipe(LONG, "scjs")], "scjs")
    assert problems(bad, "error") == [("scotland_only", "T", "A2", "Fife")]
    assert values(bad) == {}


# --- or_layouts and sources -------------------------------------------------------------------


LAYOUTS = (
    LONG
    + """
    [[or_layouts]]
    sources = ["population"]
    header = { labels = ["Area", "Year"] }
    years = { column = "Year", calendar = "mid_year" }

    [[or_layouts]]
    header = { labels = ["Area", "Year"] }
    years = { column = "Year" }
"""
)


def test_each_sheet_is_read_under_the_first_layout_whose_header_it_holds():
    sheets = {
        "Long": [["Area", "Financial year", "population_16plus"], ["Fife", "2022-23", 300]],
        "Mid": [["Area", "Year", "population_16plus"], ["Fife", 2023.0, 310]],
    }
    result = read(sheets, [recipe(LAYOUTS, "population")], "population")
    assert result.accepted and result.tables_read == ["Long", "Mid"]
    assert values(result) == {
        (FIFE, "2022-23", "population_16plus"): (300.0, None, "Long", "C2"),
        (FIFE, "2023-24", "population_16plus"): (310.0, None, "Mid", "C2"),  # mid-2023 -> 2023-24
    }


def test_a_layout_for_other_sources_is_not_used():
    rows = [["Area", "Year", "custody_referrals"], ["Fife", "2024", 5]]
    result = read({"T": rows}, [recipe(LAYOUTS)])
    assert not result.accepted
    assert problems(result, "error") == [("invalid_year", "T", "B2", "2024")]


def test_or_layouts_keys_are_checked():
    with pytest.raises(RecipeError, match="unknown key 'files' in or_layouts number 1"):
        recipe(LONG + '\n[[or_layouts]]\nfiles = ["*.csv"]\n')
    with pytest.raises(RecipeError, match="exactly one of column, across"):
        recipe(LONG + "\n[[or_layouts]]\nyears = { across = true, column = 'Year' }\n")


# --- fallback and the built-in folder -----------------------------------------------------------


OWN = """
    files = ["custody-*.xlsx"]
    [table]
    sheet = "Data"
    [header]
    labels = ["Council"]
    [areas]
    column = "Council"
    [years]
    fixed = "2023-24"
    [[measures]]
    id = "custody_referrals"
    column = "Referrals"
"""


def test_a_fallback_recipe_reads_only_files_no_other_recipe_reads():
    fallback = recipe(LONG.replace('files = ["*"]', 'files = ["*"]\nfallback = true'), name="contract")
    own = recipe(OWN, name="custody_table")
    contract_sheet = [HEADER, ["Fife", "2023-24", 1]]
    result = read({"T": contract_sheet}, [own, fallback], file_name="referrals.xlsx")
    assert result.accepted and result.by_fallback and result.recipes_used == ["contract"]
    assert problems(result) == []
    # A file the source's own recipe reads is not read by the fallback, even with a sheet in its layout.
    both = {"Data": [["Council", "Referrals"], ["Moray", 2]], "T": contract_sheet}
    result = read(both, [own, fallback], file_name="custody-2024.xlsx")
    assert result.accepted and not result.by_fallback and result.recipes_used == ["custody_table"]
    assert values(result) == {(MORAY, "2023-24", "custody_referrals"): (2.0, None, "Data", "B2")}
    # When every recipe naming the file steps aside (its table is not there), the fallback reads it.
    result = read({"T": contract_sheet}, [own, fallback], file_name="custody-2024.xlsx")
    assert result.accepted and result.by_fallback and result.recipes_used == ["contract"]
    assert problems(result) == [("recipe_stepped_aside", None, None, None)]
    assert "custody_table" in result.issues[0].message and "read by contract" in result.issues[0].message
    # Neither reads it: the recipe's own problem stands; a fallback that found its table but
    # could not read it cleanly adds a note with its first problem.
    result = read({"X": [["Nothing", "here"]]}, [own, fallback], file_name="custody-2024.xlsx")
    assert not result.accepted and [i.code for i in result.issues] == ["sheet_not_found"]
    result = read({"T": [HEADER, ["Fyfe", "2023-24", 1]]}, [own, fallback], file_name="custody-2024.xlsx")
    assert not result.accepted and problems(result) == [
        ("sheet_not_found", None, None, None),
        ("fallback_not_read", "T", "A2", None),
    ]
    assert "'Fyfe'" in result.issues[1].message


def test_the_shipped_contract_recipe_is_loaded_for_every_source_under_its_builtin_name():
    for source in ("jsws", "population", "recorded_crime"):
        builtin = [r for r in load_recipes(source, builtin=True) if r.fallback]
        assert [r.name for r in builtin] == ["builtin:data_contract"]
        assert builtin[0].label == "recipe 'builtin:data_contract'"
        assert all(layout.name == "builtin:data_contract" for layout in builtin[0].layouts)
    assert not any(r.fallback for r in load_recipes("recorded_crime"))  # only when asked for


def test_the_docs_show_the_shipped_contract_recipe_as_it_is():
    root = Path(__file__).resolve().parents[2]
    docs = (root / "docs" / "partners.md").read_text(encoding="utf-8")
    section = docs.split("## Built-in recipes", 1)[1]
    shown = tomllib.loads(section.split("```toml", 1)[1].split("```", 1)[0])
    shipped = tomllib.loads((root / "data" / "recipes" / "builtin" / "data_contract.toml").read_text())
    assert shown == {k: v for k, v in shipped.items() if k not in ("description", "publication")}


def test_a_contract_file_named_like_a_publication_is_read_by_the_contract_recipe():
    """The demo's criminal_proceedings.csv: the shipped criminal proceedings recipes name it
    (glob criminal?proceedings*) but find no Table 7 / Table_7a, so they step aside and the
    data contract's layout reads it."""
    from cj_pipeline.lib.partners.read import BUILTIN_RECIPE, read_partner_file

    header = "Area,Financial year,disposals_custody,disposals_community,disposals_financial,disposals_other"
    data = f"Criminal proceedings in Scotland\n\n{header}\nFife,2023/24,10,20,30,4\n".encode()
    reading = read_partner_file(data, "criminal_proceedings.csv", "criminal_proceedings")
    assert reading.accepted and reading.read_by == BUILTIN_RECIPE
    assert reading.tables_read == ["criminal_proceedings"]
    assert {(v.measure, v.value, v.cell) for v in reading.values} == {
        ("disposals_custody", 10.0, "C4"),
        ("disposals_community", 20.0, "D4"),
        ("disposals_financial", 30.0, "E4"),
        ("disposals_other", 4.0, "F4"),
    }
    stepped = [i.message for i in reading.issues if i.code == "recipe_stepped_aside"]
    assert len(stepped) == 2 and all("read by builtin:data_contract" in m for m in stepped)
