"""Trust features on a built warehouse: lineage/explain, change reports, chase list."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import time

import duckdb
import pytest
from typer.testing import CliRunner

from cj_pipeline.cli import app
from cj_pipeline.lib.core.cells import parse_numeric
from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.workbook import open_table_file
from cj_pipeline.lib.reporting.chase import COMPLETE, MISSING_EVIDENCE, NEVER, NO_RETURN, REJECTED, chase_list
from cj_pipeline.lib.reporting.explain import explain
from cj_pipeline.lib.returns.template import ReturnContent, write_template
from cj_pipeline.runner import run_build
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir


def _index(cell: str) -> tuple[int, int]:
    """A1 -> 0-based (row, column)."""
    letters, digits = re.fullmatch(r"([A-Z]+)([0-9]+)", cell).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits) - 1, column - 1


def _cell_in_archive(settings, sha256: str, file_name: str, sheet: str, cell: str) -> object:
    data = (settings.archive_dir / "objects" / sha256[:2] / sha256).read_bytes()
    assert sha256_bytes(data) == sha256
    opened = open_table_file(data, file_name, settings)
    (found,) = [s for s in opened.sheets if s.name == sheet]
    r, c = _index(cell)
    return found.rows[r][c]


def test_ten_random_figures_trace_back_to_the_exact_archived_cell(built_warehouse):
    settings, _, _ = built_warehouse
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as db:
        keys = db.execute(
            "select distinct area_code, financial_year, indicator_id from marts.fct_indicator_lineage "
            "where sha256 is not null order by all"
        ).fetchall()
        assert (
            db.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]
            == db.execute(
                "select count(distinct (area_code, financial_year, indicator_id)) from marts.fct_indicator_lineage"
            ).fetchone()[0]
        )
    for area, year, indicator in random.Random(20250610).sample(keys, 10):
        figure = explain(settings.warehouse_path, area, year, indicator)
        traced = 0
        for item in figure["inputs"]:
            if not item["sha256"]:
                assert item["derivation"] or item["input_value"] is None
                continue
            raw = _cell_in_archive(
                settings, item["sha256"], item["file_name"], item["source_sheet"], item["source_cell"]
            )
            parsed = parse_numeric(raw)
            assert (parsed.value, parsed.marker) == (item["input_value"], item["input_marker"]), (area, year, item)
            traced += 1
        assert traced >= 1
        numerator = next(i for i in figure["inputs"] if i["input_role"] == "numerator")
        if figure["numerator"] is not None and numerator["input_value"] is not None:
            assert figure["numerator"] == pytest.approx(numerator["input_value"])


def test_derived_and_superseded_inputs_say_so(built_warehouse):
    settings, truth, _ = built_warehouse
    custody = explain(settings.warehouse_path, "Fife", truth.years[-2], "HL_CUSTODY_PCT")
    denominator = next(i for i in custody["inputs"] if i["input_role"] == "denominator")
    assert denominator["measure"] == "disposals_total" and denominator["sha256"] is None
    assert denominator["derivation"].startswith("sum of 4 disposal groups")
    local_scotland = explain(settings.warehouse_path, "Scotland", truth.years[0], "LM6.1_PCT")
    assert {i["derivation"] for i in local_scotland["inputs"]} == {"sum of 32 areas"}
    # the sample jsws revision revises the first three areas' second-latest year by +5
    area, year = truth.area_codes[0], truth.years[-2]
    revised = explain(settings.warehouse_path, area, year, "NO1_COMMENCED")["inputs"][0]
    assert revised["supersedes_earlier"] and revised["input_marker"] == "[r]"
    assert revised["input_value"] - revised["superseded_value"] == 5
    assert not explain(settings.warehouse_path, area, truth.years[0], "NO1_COMMENCED")["inputs"][0][
        "supersedes_earlier"
    ]


def test_explain_cli_text_and_json(built_warehouse):
    settings, truth, _ = built_warehouse
    runner = CliRunner()
    args = [
        "explain",
        "--area",
        "Fife",
        "--year",
        truth.years[-1],
        "--indicator",
        "att_div_overall_pct",
        "--data-dir",
        str(settings.data_dir),
    ]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "sha256" in shown.output and "superseded" in shown.output and "Denominator" in shown.output
    as_json = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert as_json["indicator_id"] == "ATT_DIV_OVERALL_PCT"
    assert [i["input_role"] for i in as_json["inputs"]] == ["numerator", "denominator"]
    unknown = runner.invoke(app, [*args[:6], "NO1_COMMENCD", "--data-dir", str(settings.data_dir)])
    assert unknown.exit_code == 1 and "NO1_COMMENCED" in unknown.output


def test_sample_partner_revision_has_a_change_report(built_warehouse):
    settings, truth, _ = built_warehouse
    (receipt,) = [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*_revised.xlsx.json")]
    moved = {(c["area_code"], c["measure"]): c["difference"] for c in receipt["changes"]}
    assert moved[(truth.area_codes[0], "diversion_commenced")] == 5
    assert {c["financial_year"] for c in receipt["changes"]} == {truth.years[-2]}
    text = next(settings.receipts_dir.glob("*_revised.xlsx.txt")).read_text()
    assert "Changes against earlier values" in text and "(+5)" in text


# --- a copy of the warehouse with corrections, a revision and chase cases, built once ---


def _later(path, seconds):
    stamp = time.time() + seconds
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def amended(built_warehouse, tmp_path_factory):
    settings, truth, _ = built_warehouse
    data_dir = tmp_path_factory.mktemp("trust") / "data"
    copy_data_dir(settings.data_dir, data_dir)
    settings = get_settings(data_dir)
    uploads, areas, year = settings.uploads_dir, truth.area_codes, truth.years[-2]
    cases = {"changed": areas[0], "same": areas[1], "added": areas[2]}

    original = truth.returns[(cases["changed"], year)]
    changed = ReturnContent(**{**original.__dict__})
    changed.measures = {**original.measures, "LM6.1": (11, 44, "Recounted")}
    changed.evidence = {**original.evidence, "LE1.1": ("Not known", "Survey not run")}
    write_template(uploads / "changed.xlsx", cases["changed"], year, changed)

    time.sleep(1.1)  # docProps carry the time to the second: same content, different bytes
    same = write_template(uploads / "same_again.xlsx", cases["same"], year, truth.returns[(cases["same"], year)])

    original = truth.returns[(cases["added"], year)]
    added = ReturnContent(**{**original.__dict__})
    added.local_outcomes = [
        *original.local_outcomes,
        ("More tenancies kept", "Tenancies", "Local outcome", 12, "tenancies", ""),
    ]
    write_template(uploads / "added_row.xlsx", cases["added"], year, added)

    # a partner revision naming only two areas for one measure: one moves, one does not, the rest are left out
    measure = "cpo_imposed"
    a, b = [area for area in areas[3:] if truth.value("jsws", area, year, measure)[0] is not None][:2]
    rows = []
    for area, delta in ((a, 7), (b, 0)):
        value, marker = truth.value("jsws", area, year, measure)
        rows.append(f"{area},{year},{int(value) + delta}{' ' + marker if marker else ''}")
    partner = settings.partners_dir / "jsws" / "jsws_cpo_partial.csv"
    partner.write_text("Area,Financial year,cpo_imposed\n" + "\n".join(rows) + "\n")

    # a rejected return for an area that sent nothing for the latest year
    missing_area = sorted(truth.missing_returns)[0][0]
    bad = ReturnContent(**{**truth.returns[(missing_area, truth.years[-2])].__dict__})
    bad.assessments = {**bad.assessments, "NO1": ("Maybe", "Something", "")}
    write_template(uploads / "rejected.xlsx", missing_area, truth.years[-1], bad)

    for n, name in enumerate(("changed.xlsx", "same_again.xlsx", "added_row.xlsx", "rejected.xlsx")):
        _later(uploads / name, 100 + n)
    _later(partner, 200)
    result = run_build(settings, log_level="WARNING")
    assert result.success
    receipts = {}
    for path in settings.receipts_dir.glob("*.json"):
        receipt = json.loads(path.read_text())
        receipts[receipt["file"]] = receipt
    return {
        "settings": settings,
        "truth": truth,
        "receipts": receipts,
        "cases": cases,
        "year": year,
        "same_file": same,
        "partner": (a, b, measure),
        "rejected_area": missing_area,
    }


def test_corrected_return_lists_what_changed(amended):
    receipt = amended["receipts"]["changed.xlsx"]
    assert receipt["replaces_submission_id"]
    by_field = {(c["sheet"], c["id"], c["field"]): (c["before"], c["after"], c["cell"]) for c in receipt["changes"]}
    original = amended["truth"].returns[(amended["cases"]["changed"], amended["year"])]
    num, den, _ = original.measures["LM6.1"]
    assert by_field[("Local measures", "LM6.1", "Numerator")][:2] == (f"{num:,}", "11")
    assert by_field[("Local measures", "LM6.1", "Denominator")][:2] == (f"{den:,}", "44")
    assert by_field[("Local measures", "LM6.1", "Note")][1] == "Recounted"
    if original.evidence["LE1.1"][0] != "Not known":
        assert by_field[("Local evidence", "LE1.1", "Status")][:2] == (original.evidence["LE1.1"][0], "Not known")
    text = next(amended["settings"].receipts_dir.glob("*_changed.xlsx.txt")).read_text()
    assert "Changes against the previous return" in text and "LM6.1 Numerator" in text
    with duckdb.connect(str(amended["settings"].warehouse_path), read_only=True) as db:
        stored = db.execute(
            "select field, item_id, before_value, after_value, replaces_submission_id "
            "from raw.change_reports where submission_id = ?",
            [receipt["submission_id"]],
        ).fetchall()
    assert ("Numerator", "LM6.1", f"{num:,}", "11", receipt["replaces_submission_id"]) in stored
    assert len(stored) == len(receipt["changes"])


def test_same_content_different_bytes_reports_no_change(amended):
    settings = amended["settings"]
    receipt = amended["receipts"]["same_again.xlsx"]
    assert receipt["status"] == "accepted" and receipt["duplicate_of"] is None  # different bytes: not a duplicate
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as db:
        previous_sha = db.execute(
            "select sha256 from raw.submissions where submission_id = ?", [receipt["replaces_submission_id"]]
        ).fetchone()[0]
    assert previous_sha != receipt["sha256"] == sha256_bytes(amended["same_file"].read_bytes())
    assert receipt["changes"] == []
    text = next(settings.receipts_dir.glob("*_same_again.xlsx.txt")).read_text()
    assert "none, the content is the same" in text


def test_added_local_outcome_row_is_reported(amended):
    changes = amended["receipts"]["added_row.xlsx"]["changes"]
    assert [(c["field"], c["id"], c["before"]) for c in changes] == [
        ("row added", "More tenancies kept / Tenancies", None)
    ]
    assert changes[0]["sheet"] == "Local outcomes"


def test_partner_revision_reports_moved_and_removed_rows(amended):
    moved_area, same_area, measure = amended["partner"]
    receipt = amended["receipts"]["jsws_cpo_partial.csv"]
    by_area = {c["area_code"]: c for c in receipt["changes"]}
    assert by_area[moved_area]["difference"] == 7 and by_area[moved_area]["field"] == measure
    assert same_area not in by_area  # same figure: no change
    removed = [c for c in receipt["changes"] if c["field"] == "row removed"]
    # the other areas and the Scotland row: left out of this file, their earlier values stay current
    assert "S92000003" in {c["area_code"] for c in removed} and len(removed) >= 29
    assert all(c["after"] is None and c["before"] for c in removed)


def test_chase_statuses_and_csv(amended, tmp_path):
    settings, truth = amended["settings"], amended["truth"]
    latest = truth.years[-1]
    rows = {r.area_code: r for r in chase_list(settings.warehouse_path, latest, include_complete=True)}
    assert len(rows) == 32
    rejected = rows[amended["rejected_area"]]
    assert rejected.status == REJECTED and "rejected.xlsx" in rejected.missing
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rejected.since)
    assert rejected.contact_email.startswith("cj.")  # from the Cover of its latest accepted return
    (never,) = [a for a, _ in truth.missing_returns if a != amended["rejected_area"]]
    assert (rows[never].status, rows[never].since, rows[never].missing) == (NO_RETURN, NEVER, "No return received")
    for (area, year), content in truth.returns.items():
        if year != latest:
            continue
        not_known = [e for e, (s, _) in content.evidence.items() if s == "Not known"]
        assert rows[area].status == (MISSING_EVIDENCE if not_known else COMPLETE)
        assert rows[area].contact_email == content.email
    out = tmp_path / "chase.csv"
    result = CliRunner().invoke(
        app, ["chase", "--year", latest, "--data-dir", str(settings.data_dir), "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == ["area_code", "area_name", "status", "missing", "since", "contact_email"]
    assert {w["area_code"] for w in written} == {a for a, r in rows.items() if r.status != COMPLETE}
