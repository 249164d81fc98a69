"""Local area returns through the real graph: uploads -> raw -> dbt -> marts.

One build (module fixture) on sample data plus the awkward arrivals: the same
file dropped twice, a corrected resubmission, and a corrupt file.
"""

import json
import os
import re
import shutil

import duckdb
import pytest

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.returns.template import write_template
from cj_pipeline.runner import instance, run_build
from cj_pipeline.settings import get_settings
from tests.copies import copy_data_dir

CORRUPT = b"PK\x03\x04 this zip was cut off in transit"


@pytest.fixture(scope="module")
def built(built_warehouse, tmp_path_factory):
    """A private copy of the shared built warehouse (sample data already ingested and built;
    copytree keeps mtimes, so those files are not new arrivals) plus the awkward arrivals,
    then one more run: far cheaper than generating and building from scratch."""
    source, truth, _ = built_warehouse
    data_dir = tmp_path_factory.mktemp("returns_data") / "data"
    copy_data_dir(source.data_dir, data_dir)
    settings = get_settings(data_dir)
    uploads = settings.uploads_dir
    later = truth.return_files[-1].stat().st_mtime + 600

    duplicate_source = uploads / truth.return_files[0].relative_to(source.uploads_dir)
    duplicate = uploads / f"copy of {duplicate_source.name}"
    shutil.copy(duplicate_source, duplicate)
    os.utime(duplicate, (later, later))

    area, year = truth.area_codes[0], truth.years[-2]
    original = truth.returns[(area, year)]
    corrected_measures = dict(original.measures)
    corrected_measures["LM6.1"] = (11, 44, "Corrected: admissions recounted")
    corrected = write_template(
        uploads / area / "corrected.xlsx",
        area,
        year,
        type(original)(**{**original.__dict__, "measures": corrected_measures}),
    )
    os.utime(corrected, (later + 1, later + 1))

    (uploads / "broken.xlsx").write_bytes(CORRUPT)
    result = run_build(settings, log_level="WARNING")
    connection = duckdb.connect(str(settings.warehouse_path), read_only=True)
    yield {
        "settings": settings,
        "truth": truth,
        "result": result,
        "db": connection,
        "corrected": (area, year),
        "duplicate": duplicate,
        "duplicate_source": duplicate_source,
    }
    connection.close()


def _rows(built, sql, params=()):
    return built["db"].execute(sql, list(params)).fetchall()


def test_build_succeeds(built):
    assert built["result"].success


def test_the_run_log_names_every_file_and_its_outcome(built):
    """Intake logs files in batches (one instance event per batch, not per file), and the
    run's log still has one line per file with its outcome and receipt."""
    settings, result = built["settings"], built["result"]
    log = (settings.logs_dir / f"{result.run_id}.log").read_text()
    for name, status in [("copy of ", "duplicate"), ("corrected.xlsx", "accepted"), ("broken.xlsx", "rejected")]:
        assert re.search(rf"{re.escape(name)}\S*: {status} \(receipt {re.escape(str(settings.receipts_dir))}/", log)
    files = len([p for p in settings.uploads_dir.rglob("*") if p.is_file()])
    assert log.count(": already processed") >= files - 3
    entries = [
        e for e in instance().all_logs(result.run_id) if e.step_key == "received_files" and not e.is_dagster_event
    ]
    assert 1 <= len(entries) < files / 10


def test_every_return_is_a_submission_with_raw_rows(built):
    truth = built["truth"]
    accepted = _rows(built, "select count(*) from raw.submissions where kind = 'return' and status = 'accepted'")[0][0]
    assert accepted == len(truth.returns) + 1  # + the corrected resubmission
    per_table = dict(
        _rows(
            built,
            """
        select 'evidence', count(*) from raw.return_evidence union all
        select 'measures', count(*) from raw.return_measures union all
        select 'assessments', count(*) from raw.return_assessments""",
        )
    )
    assert per_table == {"evidence": 22 * accepted, "measures": 5 * accepted, "assessments": 9 * accepted}
    assert (
        _rows(built, "select count(*) from raw.return_measures where sheet is null or numerator_cell is null")[0][0]
        == 0
    )


def test_completeness_covers_every_area_and_year(built):
    truth = built["truth"]
    rows = _rows(
        built,
        "select area_code, financial_year, return_status, items_expected, items_complete, "
        "missing_items, ready_to_publish from marts.fct_evidence_completeness",
    )
    status = {(r[0], r[1]): r[2] for r in rows}
    assert set(status) == {(a, y) for a in truth.area_codes for y in truth.years}
    assert {key for key, s in status.items() if s == "missing"} == truth.missing_returns
    assert len(truth.missing_returns) == 2
    assert {s for key, s in status.items() if key not in truth.missing_returns} == {"received"}
    for area, year, return_status, expected, complete, missing, ready in rows:
        if return_status == "missing":
            assert (complete, missing, ready) == (0, "No return received", False)
            continue
        content = truth.returns[(area, year)]
        not_known = sorted(e for e, (s, _) in content.evidence.items() if s == "Not known")
        not_achieved = sum(a == "Not achieved" for a, _, _ in content.assessments.values())
        assert expected == 22 + 9 + not_achieved
        assert complete == expected - len(not_known)
        assert missing == "; ".join(f"{e} evidence (Not known)" for e in not_known)
        assert ready == (not not_known)


def test_dropped_twice_is_one_submission_with_a_duplicate_receipt(built):
    sha = sha256_bytes(built["duplicate_source"].read_bytes())
    assert _rows(built, "select count(*) from raw.submissions where sha256 = ?", [sha])[0][0] == 1
    outcomes = sorted(r[0] for r in _rows(built, "select outcome from raw.file_events where sha256 = ?", [sha]))
    assert outcomes == ["accepted", "duplicate"]
    receipts = [json.loads(p.read_text()) for p in built["settings"].receipts_dir.glob("*.json")]
    duplicate = [r for r in receipts if r["file"] == built["duplicate"].name]
    # The submission id is the first arrival's event id (a submission is bytes AND place).
    [(first_id,)] = _rows(built, "select submission_id from raw.submissions where sha256 = ?", [sha])
    assert len(duplicate) == 1 and duplicate[0]["duplicate_of"] == first_id
    assert [i["code"] for i in duplicate[0]["issues"]] == ["duplicate_file"]


def test_corrected_resubmission_supersedes_and_history_stays(built):
    area, year = built["corrected"]
    versions = _rows(
        built,
        "select file_name, is_current from intermediate.int_returns_versioned "
        "where area_code = ? and financial_year = ? order by arrival_seq",
        [area, year],
    )
    assert [v[1] for v in versions] == [False, True]
    assert versions[1][0] == "corrected.xlsx"
    value, numerator, denominator = _rows(
        built,
        "select value, numerator, denominator from marts.fct_indicator_values "
        "where area_code = ? and financial_year = ? and indicator_id = 'LM6.1_PCT'",
        [area, year],
    )[0]
    assert (numerator, denominator) == (11, 44) and value == pytest.approx(25.0)


def test_corrupt_file_is_rejected_archived_and_receipted(built):
    settings, sha = built["settings"], sha256_bytes(CORRUPT)
    assert _rows(built, "select status from raw.submissions where sha256 = ?", [sha]) == [("rejected",)]
    assert archive.object_path(settings.archive_dir, sha).read_bytes() == CORRUPT
    receipts = [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*broken.xlsx.json")]
    assert len(receipts) == 1 and receipts[0]["status"] == "rejected"
    assert [i["code"] for i in receipts[0]["issues"]] == ["corrupt_workbook"]


def test_local_measure_indicators_equal_the_returns(built):
    truth, corrected = built["truth"], built["corrected"]
    rows = _rows(
        built,
        "select area_code, financial_year, indicator_id, value, numerator, denominator, marker "
        "from marts.fct_indicator_values where indicator_id like 'LM%'",
    )
    values = {(r[0], r[1], r[2]): r[3:] for r in rows}
    checked = 0
    for (area, year), content in truth.returns.items():
        if (area, year) == corrected:
            continue
        for measure_id, (numerator, denominator, _) in content.measures.items():
            value, num, den, marker = values[(area, year, f"{measure_id}_PCT")]
            assert (num, den, marker) == (numerator, denominator, None)
            assert value == pytest.approx(numerator / denominator * 100)
            checked += 1
    assert checked == 5 * (len(truth.returns) - 1)
    for area, year in truth.missing_returns:
        assert values[(area, year, "LM6.1_PCT")][0] is None and values[(area, year, "LM6.1_PCT")][3] == "[x]"


def test_outcome_assessments_and_local_outcomes_marts(built):
    truth = built["truth"]
    current = len(truth.returns)
    assert _rows(built, "select count(*) from marts.fct_outcome_assessments")[0][0] == 9 * current
    informing = _rows(
        built, "select distinct informing_indicators from marts.fct_outcome_assessments where outcome_id = 'NO6'"
    )
    assert informing == [("LM6.1_PCT, LM6.2_PCT, NO6_HOMELESS_PRISON",)]
    area, year = truth.area_codes[3], truth.years[0]
    local = _rows(
        built,
        "select outcome_type, local_outcome, value from marts.fct_local_outcomes "
        "where area_code = ? and financial_year = ? order by row_number",
        [area, year],
    )
    expected = [(kind, name, value) for name, _, kind, value, _, _ in truth.returns[(area, year)].local_outcomes]
    assert local == expected
