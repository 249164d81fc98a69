"""A new partner source added as data only: a row in the partner_measures seed, a recipe in
data/recipes/<source>/ and (to make a figure of it) a row in the indicator catalogue. No SQL or
Python changes: its values must reach marts.fct_partner_values, `cj-pipeline explain` and the
receipt, exactly as docs/partners.md "Adding a new source" tells the data team.

The project (code, seeds, recipes, dbt project) is copied to a temporary folder and changed
there, and the real CLI runs from that copy in a subprocess. The table is NRS's drug-related
deaths workbook (../shared/real-tables/nrs_other/), which no shipped recipe reads. By hand
(calamine, sheet Table_C1): the header is row 5 (Year, Sex, Scotland, Aberdeen City, ...);
Fife is column Q; 2023 Persons is row 19: Q19 = 73, C19 (Scotland) = 1,172.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from cj_pipeline.settings import PROJECT_ROOT

REAL = (PROJECT_ROOT / ".." / "shared" / "real-tables").resolve()
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real partner tables are not here ({REAL}); they live outside the repository"
)
DEATHS = REAL / "nrs_other" / "nrs-drug-related-deaths-scotland-2024.xlsx"
CRIME = REAL / "sg_recorded_crime_police_scotland" / "recorded-crime-2024-25-bulletin-tables.xlsx"
FIFE = "S12000047"

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
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "logs", "partial_parse.msgpack", "run_results.json")
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
    base = tmp_path_factory.mktemp("new_source")
    root, data_dir = base / "project", base / "data"
    _copy_project(root)
    (data_dir.parent / "dagster_home").mkdir()
    # The whole change a data-team member makes: a seed row, a recipe, a catalogue row.
    with open(root / "data" / "seeds" / "partner_measures.csv", "a", encoding="utf-8") as seed:
        seed.write(SEED_ROW)
    with open(root / "data" / "seeds" / "indicators.csv", "a", encoding="utf-8") as catalogue:
        catalogue.write(INDICATOR_ROW)
    (root / "data" / "recipes" / "drug_deaths").mkdir()
    (root / "data" / "recipes" / "drug_deaths" / "table_c1_council_areas.toml").write_text(RECIPE, encoding="utf-8")
    for source, path in (("drug_deaths", DEATHS), ("population", CRIME)):
        target = data_dir / "raw" / "partners" / source / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.utime(target, (1_700_000_000, 1_700_000_000))
    where = _cli(root, data_dir, "--help")
    ran = _cli(root, data_dir, "run")
    return {"root": root, "data_dir": data_dir, "run": ran, "help": where}


def _query(data_dir, sql, params=()):
    with duckdb.connect(str(data_dir / "warehouse" / "cj.duckdb"), read_only=True) as connection:
        cursor = connection.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


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
