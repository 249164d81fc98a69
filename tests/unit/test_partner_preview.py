"""`cj-pipeline partners preview` through typer's CliRunner, and the one entry point it shares
with intake (`partners/read.py`): recipes when one names the file, else the built-in layouts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cj_pipeline.cli import app
from cj_pipeline.lib.partners.read import BUILTIN_RECIPE, read_partner_file
from cj_pipeline.lib.warehouse.schema import ensure_raw_schema, raw_columns
from cj_pipeline.settings import PROJECT_ROOT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "partners"
REAL = (PROJECT_ROOT / ".." / "shared" / "real-tables").resolve()
RECONVICTIONS = REAL / "sg_reconvictions" / "reconvictions-2017-18-offender-cohort-main-publication-tables.xlsx"
DRUG_DEATHS = REAL / "nrs_other" / "nrs-drug-related-deaths-scotland-2024.xlsx"
LEGACY_1112 = REAL / "sg_criminal_proceedings" / "criminal_proceedings-1112-tables.xls"
needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real partner tables are not here ({REAL}); they live outside the repository"
)
runner = CliRunner()


@pytest.fixture(autouse=True)
def empty_data_dir(tmp_path, monkeypatch):
    """Preview stores nothing: the data dir stays empty."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CJ_DATA_DIR", str(data))
    yield data
    assert not any(data.iterdir())


@needs_real
def test_preview_of_a_real_publication_fits_80_columns_and_names_cells():
    result = runner.invoke(app, ["partners", "preview", str(RECONVICTIONS), "--source", "reconvictions"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["area", "year", "measure", "value", "marker", "sheet!cell"]
    fife = [line for line in lines if line.startswith("Fife ") and "Table 13!B19" in line]
    assert fife and "2,110" in fife[0] and "2017-18" in fife[0]
    assert "Would be ACCEPTED: 99 values" in result.output and "Nothing was stored" in result.output
    assert "note_rows_ignored" in result.output  # warnings are shown too


@needs_real
def test_preview_of_a_file_the_recipe_no_longer_matches_exits_1_with_the_problem(tmp_path):
    # A workbook whose name the recorded crime recipe reads, but whose Table_1 is another table.
    path = tmp_path / "recorded-crime-2030-31-bulletin-tables.xlsx"
    path.write_bytes(DRUG_DEATHS.read_bytes())
    result = runner.invoke(app, ["partners", "preview", str(path), "--source", "recorded_crime"])
    assert result.exit_code == 1
    assert "ERROR header_not_found at Table_1" in result.output
    assert "table_1_total_crimes" in result.output and "Would be REJECTED" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


@needs_real
def test_preview_of_the_2011_12_legacy_file_shows_the_recipe_that_stepped_aside():
    result = runner.invoke(app, ["partners", "preview", str(LEGACY_1112), "--source", "criminal_proceedings"])
    assert result.exit_code == 0, result.output
    assert "Would be ACCEPTED: 40 values" in result.output
    assert "recipe_stepped_aside" in result.output and "table_7a_main_penalty" in result.output


def test_preview_csv_of_a_built_in_layout_for_machines():
    path = FIXTURES / "pass" / "population" / "population_midyear.csv"
    result = runner.invoke(app, ["partners", "preview", str(path), "--source", "population", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["recipe"] for r in rows} == {BUILTIN_RECIPE}
    assert set(rows[0]) == {
        "source",
        "area_code",
        "area_name",
        "financial_year",
        "measure",
        "value",
        "marker",
        "sheet",
        "cell",
        "raw_value",
        "recipe",
    }


def test_preview_of_an_unknown_layout_lists_the_recipes_and_exits_1(tmp_path):
    path = tmp_path / "crime_tables_2030.csv"
    path.write_text("Council,Crimes\nFife,10\n", encoding="utf-8")
    result = runner.invoke(app, ["partners", "preview", str(path), "--source", "recorded_crime"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "no_recipe" in text and "table_1_total_crimes (files recorded-crime-*-bulletin-tables.xlsx)" in text


def test_built_in_layouts_still_read_a_source_that_has_recipes():
    path = FIXTURES / "pass" / "population" / "population_fy.xlsx"
    reading = read_partner_file(path.read_bytes(), path.name, "population")
    assert reading.accepted and reading.read_by == BUILTIN_RECIPE
    assert not any(i.code == "no_recipe" for i in reading.issues)


def test_an_existing_warehouse_gains_the_recipe_column():
    connection = duckdb.connect()
    connection.execute("create schema raw")
    old = ", ".join(line for line in (f"{c} VARCHAR" for c in raw_columns("partner_values")) if "recipe" not in line)
    connection.execute(f"create table raw.partner_values ({old})")
    connection.execute("insert into raw.partner_values (submission_id, source) values ('s1', 'jsws')")
    ensure_raw_schema(connection)
    assert connection.execute("select recipe from raw.partner_values").fetchall() == [(None,)]


def test_one_result_type_from_the_engine_to_the_receipt():
    # extract (the engine), extract_opened (an opened file) and read_partner_file (intake and
    # preview) all give a PartnerReading, and the receipt summary reads off that one type.
    from cj_pipeline.lib.core.workbook import open_table_file
    from cj_pipeline.lib.partners.extract import PartnerReading, extract, extract_opened
    from cj_pipeline.lib.partners.recipe import load_recipes
    from cj_pipeline.settings import get_settings

    path = FIXTURES / "pass" / "population" / "population_fy.xlsx"
    data = path.read_bytes()
    recipes = load_recipes("population", builtin=True)
    engine = extract(data, path.name, "population", recipes)
    opened = extract_opened(open_table_file(data, path.name, get_settings()), path.name, "population", recipes)
    reading = read_partner_file(data, path.name, "population")
    assert all(type(result) is PartnerReading for result in (engine, opened, reading))
    assert reading.values == engine.values == opened.values and reading.accepted
    summary = reading.summary()
    assert summary["read_by"] == BUILTIN_RECIPE and summary["tables_read"] == ", ".join(reading.tables_read)
    assert summary["rows_loaded"] == len(reading.rows()) == len(reading.values) > 0


def test_a_file_nothing_read_is_rejected_without_naming_a_reader(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("Area,Count\nFife,1\n", encoding="utf-8")
    result = runner.invoke(app, ["partners", "preview", str(path), "--source", "no_such_source"])
    assert result.exit_code == 1
    last = " ".join(result.output.split()).rsplit("Problems", 1)[-1]
    assert "Would be REJECTED (1 error(s)): nothing would be loaded." in last
    assert "read by" not in last
