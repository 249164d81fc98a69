"""Real published partner files, dropped unaltered in raw/partners/<source>/, through the whole
pipeline: intake (recipes), DuckDB, dbt, Dagster (one full build, `cj-pipeline run`).

The build runs from a temporary copy of the project (code, seeds, recipes, dbt project) to
which a new partner source was added as data only, the way docs/partners.md "Adding a new
source" tells the data team: a row in the partner_measures seed, a recipe in
data/recipes/drug_deaths/ and a row in the indicator catalogue; no SQL or Python change.
Its table is NRS's drug-related deaths workbook, which no shipped recipe reads. By hand
(calamine, sheet Table_C1): the header is row 5 (Year, Sex, Scotland, Aberdeen City, ...);
Fife is column Q; 2023 Persons is row 19: Q19 = 73.

The files are read from ../shared/real-tables/ and copied into a temporary data dir (never
into this repository); without that folder the module skips. Every expected number was read
by hand from the publication (the cell is named beside it):

- NRS mid-2022 estimates (Table 1): Fife aged 16+ 309,719; Scotland 4,555,808 (V5:CR5).
- Recorded crime bulletin 2024-25: Table_1 Fife 2023-24 19,892 (L564), Scotland 299,790 (L4);
  Population sheet mid-2023 Fife 373,210 (J17), Scotland 5,490,100 (J3).
- Reconvictions 2017-18 cohort, Table 13: Fife 2,110 offenders (B19), 25.2% (C19), 0.42 (D19);
  "All" (Scotland) 36,700 (B5), 26.3% (C5), 0.46 (D5).
- Long NRS file: Orkney Islands mid-2018 aged 16+ 18,646, the sum of E124142:E124216 (females
  16 ... 90+) and E124233:E124307 (males); see test_real_partner_tables.py.
- Criminal proceedings, Scotland, 2011-12 custody 15,880 in the 2011-12 legacy .xls (Table 7 K7);
  2013-14 custody: 14,101 in the 2013-14 legacy .xls (Table 7
  K7), revised to 14,170 in the 2022-23 main tables (Table_7a B6).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.reporting.explain import explain
from cj_pipeline.settings import PROJECT_ROOT, get_settings

REAL = (PROJECT_ROOT / ".." / "shared" / "real-tables").resolve()
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real partner tables are not here ({REAL}); they live outside the repository"
)

FIFE = "S12000047"
CRIME = "sg_recorded_crime_police_scotland/recorded-crime-2024-25-bulletin-tables.xlsx"
RECONVICTIONS = "sg_reconvictions/reconvictions-2017-18-offender-cohort-main-publication-tables.xlsx"
PROCEEDINGS_2023 = "sg_criminal_proceedings/criminal-proceedings-scotland-2022-23-main-tables.xlsx"
PROCEEDINGS_2014 = "sg_criminal_proceedings/criminal_proceedings-1314-tables.xls"
PROCEEDINGS_2012 = "sg_criminal_proceedings/criminal_proceedings-1112-tables.xls"
LONG_POPULATION = "nrs_population/Mid-year population estimates.xlsx"
# (source folder, file, minutes before now it "arrived"): arrival order is modification time.
DEATHS = "nrs_other/nrs-drug-related-deaths-scotland-2024.xlsx"  # no shipped recipe reads it
DROPS = [
    ("population", "nrs_population/mid-year-pop-est-22-data.xlsx", 60),
    ("population", CRIME, 59),  # the same workbook for two sources: its Population sheet ...
    ("recorded_crime", CRIME, 58),  # ... and its Table_1
    ("reconvictions", RECONVICTIONS, 57),
    ("homelessness", "sg_homelessness/sparql-269b10-POST.csv", 56),
    # legacy .xls, 2002-03 .. 2011-12, its header split the other way round
    ("criminal_proceedings", PROCEEDINGS_2012, 55),
    ("criminal_proceedings", PROCEEDINGS_2014, 54),  # legacy .xls, 2004-05 .. 2013-14
    ("criminal_proceedings", PROCEEDINGS_2023, 53),  # later: revises 2013-14
    # a long population file (over 100,000 rows, one per area, year, sex and age), summed to 16+
    ("population", LONG_POPULATION, 52),
    # Rejected: a workbook no population recipe names.
    ("population", DEATHS, 51),
]


SEED_ROW = "drug_deaths,drug_misuse_deaths,Drug misuse deaths registered in the calendar year,count,false,false,true\n"
INDICATOR_ROW = (
    "CTX_DRUG_DEATHS_RATE,CTX,Drug misuse deaths per 10000 population (all ages),rate_per_10000,lower_is_better,"
    "drug_deaths,ratio,drug_misuse_deaths,population_all_ages,10000,false,Context indicator added as data only\n"
)
RECIPE = """\
description = "Drug misuse deaths by council area and calendar year of registration (Table_C1)."
publication = "National Records of Scotland, Drug-related deaths in Scotland (workbook)"
files = ["nrs-drug-related-deaths-scotland-*.xlsx"]

[table]
sheet = "Table_C1"

[header]
labels = ["Year", "Sex", "Scotland"]

[filters]
"Sex" = "Persons"                 # the Females and Males blocks below are not read

[areas]
across = true                     # Scotland, Aberdeen City, ... across the columns

[years]
column = "Year"
calendar = "mid_year"             # registration year 2023 is filed under 2023-24

[[measures]]
id = "drug_misuse_deaths"
"""


def _copy_project(root):
    # The prepared dbt parse (partial_parse.msgpack) comes along, as in a checkout after `make
    # setup`: dbt re-parses only the seed files the new source changes, not the whole project.
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "logs", "run_results.json")
    for part in ("cj_pipeline", "data/seeds", "data/recipes", "dbt_project"):
        shutil.copytree(PROJECT_ROOT / part, root / part, ignore=ignore)
    for name in ("pyproject.toml", "dagster.yaml"):
        shutil.copyfile(PROJECT_ROOT / name, root / name)


def _cli(root, data_dir, *args) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "CJ_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir.parent / "dagster_home"),
        "COLUMNS": "80",
    }
    return subprocess.run(
        [sys.executable, "-m", "cj_pipeline.cli", *args], cwd=root, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """One build for the whole module, from a copy of the project to which a new source was
    added as data only (seed row, recipe, catalogue row), run by the real CLI."""
    base = tmp_path_factory.mktemp("real_partners")
    root, data_dir = base / "project", base / "data"
    _copy_project(root)
    (base / "dagster_home").mkdir()
    with open(root / "data" / "seeds" / "partner_measures.csv", "a", encoding="utf-8") as seed:
        seed.write(SEED_ROW)
    with open(root / "data" / "seeds" / "indicators.csv", "a", encoding="utf-8") as catalogue:
        catalogue.write(INDICATOR_ROW)
    (root / "data" / "recipes" / "drug_deaths").mkdir()
    (root / "data" / "recipes" / "drug_deaths" / "table_c1_council_areas.toml").write_text(RECIPE, encoding="utf-8")
    now = 1_700_000_000  # a fixed past time: files are old enough to be stable
    for source, relative, minutes in [*DROPS, ("drug_deaths", DEATHS, 50)]:
        target = data_dir / "raw" / "partners" / source / (REAL / relative).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / relative, target)
        os.utime(target, (now - 60 * minutes, now - 60 * minutes))
    return {"root": root, "data_dir": data_dir, "run": _cli(root, data_dir, "run")}


@pytest.fixture(scope="module")
def built(added):
    assert added["run"].returncode == 0, added["run"].stdout + added["run"].stderr
    return get_settings(added["data_dir"])


def query(settings, sql: str, params=()) -> list[dict]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        cursor = connection.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def partner_value(settings, source, area, year, measure, current=True) -> dict:
    (row,) = query(
        settings,
        "select * from marts.fct_partner_values where source = ? and area_code = ? and financial_year = ? "
        "and measure = ? and is_current = ?",
        [source, area, year, measure, current],
    )
    return row


def receipt_of(settings, file_name: str, source: str) -> dict:
    (row,) = query(
        settings,
        "select receipt_json from raw.file_events where original_name = ? and source = ?",
        [file_name, source],
    )
    return json.loads(row["receipt_json"])


def indicator(settings, area, year, indicator_id) -> dict:
    (row,) = query(
        settings,
        "select * from marts.fct_indicator_values where area_code = ? and financial_year = ? and indicator_id = ?",
        [area, year, indicator_id],
    )
    return row


def test_population_aged_16_plus_lands_with_its_cell(built):
    fife = partner_value(built, "population", FIFE, "2022-23", "population_16plus")
    scotland = partner_value(built, "population", SCOTLAND_CODE, "2022-23", "population_16plus")
    assert fife["value"] == 309_719 and scotland["value"] == 4_555_808
    assert (scotland["file_name"], scotland["sheet"], scotland["cell"], scotland["recipe"]) == (
        "mid-year-pop-est-22-data.xlsx",
        "Table 1",
        "V5:CR5",
        "nrs_mid_year_16plus",
    )
    assert len(scotland["sha256"]) == 64


def test_one_workbook_feeds_two_sources(built):
    crime = partner_value(built, "recorded_crime", FIFE, "2023-24", "recorded_crimes")
    people = partner_value(built, "population", FIFE, "2023-24", "population_all_ages")
    assert (crime["value"], crime["sheet"], crime["cell"]) == (19_892, "Table_1", "L564")
    assert (people["value"], people["sheet"], people["cell"]) == (373_210, "Population", "J17")
    assert crime["sha256"] == people["sha256"] and crime["submission_id"] != people["submission_id"]
    counts = {
        (r["source"], r["measure"]): r["n"]
        for r in query(built, "select source, measure, count(*) as n from marts.fct_partner_values group by all")
    }
    assert counts[("recorded_crime", "recorded_crimes")] == 33 * 10
    assert counts[("population", "population_all_ages")] == 33 * 9
    assert counts[("reconvictions", "offenders")] == 33
    assert counts[("homelessness", "homeless_apps_all")] == 66


def test_recorded_crime_rate_is_crimes_per_10000_of_all_ages(built):
    fife = indicator(built, FIFE, "2023-24", "CTX_RECORDED_CRIME_RATE")
    assert fife["value"] == pytest.approx(10_000 * 19_892 / 373_210)  # 532.99...
    assert (fife["numerator"], fife["denominator"], fife["marker"]) == (19_892, 373_210, None)
    scotland = indicator(built, SCOTLAND_CODE, "2023-24", "CTX_RECORDED_CRIME_RATE")
    assert scotland["value"] == pytest.approx(10_000 * 299_790 / 5_490_100)  # the partner's own Scotland rows
    # 2024-25 has crimes but no population estimate yet: no rate, and the marker says why.
    assert indicator(built, FIFE, "2024-25", "CTX_RECORDED_CRIME_RATE")["marker"] == "[x]"


def test_reconviction_indicators_and_their_group_are_ratios_of_sums(built):
    fife_rate = indicator(built, FIFE, "2017-18", "CTX_RECONVICTION_RATE")
    assert fife_rate["value"] == pytest.approx(25.2) and fife_rate["denominator"] == 2_110
    assert indicator(built, FIFE, "2017-18", "CTX_RECONVICTIONS_PER_OFFENDER")["value"] == pytest.approx(0.42)
    assert indicator(built, SCOTLAND_CODE, "2017-18", "CTX_RECONVICTION_RATE")["value"] == pytest.approx(26.3)
    assert indicator(built, SCOTLAND_CODE, "2017-18", "CTX_RECONVICTIONS_PER_OFFENDER")["value"] == pytest.approx(0.46)
    # Fife's comparator group (official LGBF people-services group 3): reconvicted / offenders
    # summed over the members, never a mean of their rates.
    members = [
        r["area_code"]
        for r in query(
            built, "select area_code from marts.dim_comparator_group where comparator_group = ?", ["lgbf_deprivation_3"]
        )
    ]
    assert FIFE in members and len(members) == 8
    rates = {a: partner_value(built, "reconvictions", a, "2017-18", "reconviction_rate")["value"] for a in members}
    offenders = {a: partner_value(built, "reconvictions", a, "2017-18", "offenders")["value"] for a in members}
    expected = 100 * sum(rates[a] / 100 * offenders[a] for a in members) / sum(offenders.values())
    (bench,) = query(
        built,
        "select * from marts.fct_benchmark where area_code = ? and financial_year = '2017-18' "
        "and indicator_id = 'CTX_RECONVICTION_RATE'",
        [FIFE],
    )
    assert bench["comparator_group"] == "lgbf_deprivation_3"
    assert bench["group_value"] == pytest.approx(expected)
    assert bench["scotland_value"] == pytest.approx(26.3)


def test_explain_traces_a_context_figure_to_the_publications_cells(built):
    found = explain(built.warehouse_path, "Fife", "2023-24", "CTX_RECORDED_CRIME_RATE")
    numerator, denominator = found["inputs"]
    assert (numerator["measure"], numerator["file_name"], numerator["source_sheet"], numerator["source_cell"]) == (
        "recorded_crimes",
        "recorded-crime-2024-25-bulletin-tables.xlsx",
        "Table_1",
        "L564",
    )
    assert (denominator["measure"], denominator["source_sheet"], denominator["source_cell"]) == (
        "population_all_ages",
        "Population",
        "J17",
    )
    rate = explain(built.warehouse_path, "Fife", "2017-18", "CTX_RECONVICTION_RATE")
    numerator = rate["inputs"][0]
    assert (numerator["source_sheet"], numerator["source_cell"]) == ("Table 13", "C19")
    assert "reconviction_rate" in numerator["derivation"]


def test_a_later_publication_supersedes_and_the_receipt_lists_the_changes(built):
    current = partner_value(built, "criminal_proceedings", SCOTLAND_CODE, "2013-14", "disposals_custody")
    earlier = partner_value(built, "criminal_proceedings", SCOTLAND_CODE, "2013-14", "disposals_custody", False)
    assert (current["value"], current["file_name"], current["sheet"], current["cell"]) == (
        14_170,
        "criminal-proceedings-scotland-2022-23-main-tables.xlsx",
        "Table_7a",
        "B6",
    )
    assert (earlier["value"], earlier["file_name"], earlier["sheet"], earlier["cell"]) == (
        14_101,
        "criminal_proceedings-1314-tables.xls",
        "Table 7",
        "K7",
    )
    receipt = receipt_of(built, "criminal-proceedings-scotland-2022-23-main-tables.xlsx", "criminal_proceedings")
    moved = {(c["financial_year"], c["id"], c["before"], c["after"]) for c in receipt["changes"]}
    assert ("2013-14", SCOTLAND_CODE, "14,101", "14,170") in moved
    assert len(receipt["changes"]) == 4  # the four disposal groups of 2013-14, the only year both give


def test_both_legacy_editions_and_the_long_file_are_read_and_the_other_recipe_steps_aside(built):
    edition_2012 = partner_value(built, "criminal_proceedings", SCOTLAND_CODE, "2011-12", "disposals_custody", False)
    assert (edition_2012["value"], edition_2012["file_name"], edition_2012["cell"]) == (
        15_880,
        "criminal_proceedings-1112-tables.xls",
        "K7",
    )
    receipt = receipt_of(built, "criminal_proceedings-1112-tables.xls", "criminal_proceedings")
    assert receipt["status"] == "accepted"
    (note,) = [i for i in receipt["issues"] if i["code"] == "recipe_stepped_aside"]
    assert note["severity"] == "warning" and "table_7a_main_penalty" in note["message"]
    orkney = partner_value(built, "population", "S12000023", "2018-19", "population_16plus")
    assert (orkney["value"], orkney["cell"], orkney["recipe"]) == (
        18_646,
        "E124142:E124216,E124233:E124307",
        "nrs_long_mid_year_16plus",
    )


def test_rejections_name_the_recipe_and_list_the_recipes(built):
    unknown = receipt_of(built, "nrs-drug-related-deaths-scotland-2024.xlsx", "population")
    assert unknown["status"] == "rejected"
    listed = next(i for i in unknown["issues"] if i["code"] == "no_recipe")
    assert "nrs_mid_year_16plus" in listed["message"] and "nrs_long_mid_year_16plus" in listed["message"]
    # nothing half-loaded
    assert not query(
        built,
        "select * from marts.fct_partner_values where file_name = ? and source = 'population'",
        ["nrs-drug-related-deaths-scotland-2024.xlsx"],
    )


# --- a new source added as data only (seed row, recipe, catalogue row) ---------------------


def _query(data_dir, sql, params=()):
    return query(get_settings(data_dir), sql, params)


def test_the_copy_runs_and_accepts_the_new_sources_file(added):
    assert added["run"].returncode == 0, added["run"].stdout + added["run"].stderr
    assert "nrs-drug-related-deaths-scotland-2024.xlsx" in added["run"].stdout


def test_its_values_reach_fct_partner_values_with_their_cells(added):
    (fife,) = _query(
        added["data_dir"],
        "select * from marts.fct_partner_values where source = 'drug_deaths' and area_code = ? "
        "and financial_year = '2023-24' and measure = 'drug_misuse_deaths'",
        [FIFE],
    )
    assert (fife["value"], fife["sheet"], fife["cell"], fife["recipe"], fife["is_current"]) == (
        73,
        "Table_C1",
        "Q19",
        "table_c1_council_areas",
        True,
    )
    (count,) = _query(
        added["data_dir"], "select count(*) as n from marts.fct_partner_values where source = 'drug_deaths'"
    )
    assert count["n"] == 33 * 15  # Scotland and 32 councils, 2010 ... 2024


def test_the_receipt_says_what_was_read(added):
    (row,) = _query(
        added["data_dir"],
        "select receipt_json from raw.file_events where source = 'drug_deaths'",
    )
    receipt = json.loads(row["receipt_json"])
    assert receipt["status"] == "accepted"
    assert receipt["summary"]["measures"] == "drug_misuse_deaths" and receipt["summary"]["rows_loaded"] == 495


def test_explain_traces_the_new_indicator_to_the_publications_cells(added):
    shown = _cli(
        added["root"],
        added["data_dir"],
        "explain",
        "--area",
        "Fife",
        "--year",
        "2023-24",
        "--indicator",
        "CTX_DRUG_DEATHS_RATE",
        "--json",
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    found = json.loads(shown.stdout)
    assert found["value"] == pytest.approx(10_000 * 73 / 373_210)  # Population sheet J17: 373,210
    numerator = found["inputs"][0]
    assert (numerator["measure"], numerator["file_name"], numerator["source_sheet"], numerator["source_cell"]) == (
        "drug_misuse_deaths",
        "nrs-drug-related-deaths-scotland-2024.xlsx",
        "Table_C1",
        "Q19",
    )
