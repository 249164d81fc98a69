"""Partner files through intake (archive, receipts, raw.partner_values) and dbt
(supersession, Scotland reconciliation), on a throwaway data dir.

One module fixture ingests two batches and runs `dbt build --select
+int_scotland_reconciliation` once against the tmp warehouse (about 20 s).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.seeds import local_authorities
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.intake.discovery import discover_partner_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.settings import DBT_PROJECT_DIR, get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "partners"
FIRST, LATER = 1_700_000_000, 1_700_100_000  # mtimes: arrival order is by mtime
DBT = Path(sys.executable).with_name("dbt")


def _drop(settings, source: str, name: str, content: bytes, mtime: int) -> Path:
    path = settings.partners_dir / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def _all_areas_file() -> bytes:
    """Every area 10 for two measures; Scotland 320 (= sum) for one and 321 (a mismatch) for the other."""
    rows = [["Area", "Financial year", "disposals_custody", "disposals_other"]]
    rows += [[a["area_name"], "2024-25", 10, 10] for a in local_authorities()]
    rows.append(["Scotland", "2024-25", 320, 321])
    return _csv(rows)


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    settings = get_settings(tmp_path_factory.mktemp("partner_data"))
    settings.ensure_dirs()
    # Batch 1: every passing and failing fixture, plus reconciliation files.
    for kind in ("pass", "fail"):
        for path in sorted((FIXTURES / kind).glob("*/*")):
            _drop(settings, path.parent.name, path.name, path.read_bytes(), FIRST)
    _drop(settings, "criminal_proceedings", "all_areas.csv", _all_areas_file(), FIRST)
    # Scotland 3000 < Glasgow 2500 + Fife 900: a mismatch even with areas missing.
    _drop(
        settings,
        "employability",
        "employability_2024.csv",
        _csv(
            [
                ["Area", "Financial year", "employability_participants"],
                ["Glasgow", "2024-25", 2500],
                ["Fife", "2024-25", 900],
                ["Scotland", "2024-25", 3000],
            ]
        ),
        FIRST,
    )
    first = ingest_pending(settings, discover_partner_files(settings))
    # Batch 2, arriving later: a revision of one custody value, and a rejected file that
    # would otherwise supersede Fife's diversion figures.
    _drop(
        settings,
        "police_custody",
        "custody_revised.csv",
        _csv(
            [
                ["Revised referrals"],
                ["Area", "Financial year", "custody_referrals"],
                ["Fife", "2023-24", "1,250 [r]"],
            ]
        ),
        LATER,
    )
    _drop(
        settings,
        "jsws",
        "jsws_bad_revision.csv",
        _csv(
            [
                ["Area", "Financial year", "diversion_assessments"],
                ["Fife", "2023-24", 1],
                ["Fyfe", "2023-24", 2],
            ]
        ),
        LATER,
    )
    second = ingest_pending(settings, discover_partner_files(settings))
    return settings, first, second


@pytest.fixture(scope="module")
def built(intake, tmp_path_factory):
    """dbt build of everything the reconciliation needs, against the tmp warehouse."""
    settings, _, _ = intake
    target = tmp_path_factory.mktemp("dbt_target")
    env = {**os.environ, "CJ_WAREHOUSE_PATH": str(settings.warehouse_path)}
    completed = subprocess.run(
        # cautious: only tests whose every parent is selected (not other engineers' return models)
        [
            str(DBT),
            "build",
            "--profiles-dir",
            ".",
            "--select",
            "+int_scotland_reconciliation",
            "--indirect-selection",
            "cautious",
            "--target-path",
            str(target),
            "--log-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return settings, {r["unique_id"]: r for r in results}


def _query(settings, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def _receipt(settings, file_name: str) -> dict:
    (path,) = [p for p in settings.receipts_dir.glob("*.json") if json.loads(p.read_text())["file"] == file_name]
    return json.loads(path.read_text())


# --- intake ---


def test_every_file_is_archived_with_a_receipt(intake):
    settings, first, second = intake
    files = [p for p in settings.partners_dir.rglob("*") if p.is_file()]
    assert len(first.receipts) + len(second.receipts) == len(files)
    for path in files:
        sha = sha256_bytes(path.read_bytes())
        assert archive.object_path(settings.archive_dir, sha).read_bytes() == path.read_bytes()
        receipt = _receipt(settings, path.name)
        assert receipt["sha256"] == sha
        assert (settings.receipts_dir / Path(_receipt_path(settings, path.name)).with_suffix(".txt").name).exists()
    ledger_names = sorted(e["original_name"] for e in archive.read_ledger(settings.archive_dir))
    assert ledger_names == sorted(p.name for p in files)


def _receipt_path(settings, file_name: str) -> str:
    (path,) = [p for p in settings.receipts_dir.glob("*.json") if json.loads(p.read_text())["file"] == file_name]
    return str(path)


def test_accepted_and_rejected_files(intake):
    _, first, second = intake
    accepted = sorted(r["file"] for r in first.accepted + second.accepted)
    rejected = sorted(r["file"] for r in first.rejected + second.rejected)
    assert accepted == sorted(
        [p.name for p in FIXTURES.glob("pass/*/*")] + ["all_areas.csv", "employability_2024.csv", "custody_revised.csv"]
    )
    assert rejected == sorted([p.name for p in FIXTURES.glob("fail/*/*")] + ["jsws_bad_revision.csv"])


def test_receipt_of_an_accepted_file_lists_what_was_read(intake):
    settings, _, _ = intake
    receipt = _receipt(settings, "jsws_long.xlsx")
    assert receipt["status"] == "accepted" and receipt["source"] == "jsws"
    assert receipt["summary"] == {
        "source": "jsws",
        "read_by": "builtin:data_contract",  # our own layout, not a recipe
        "tables_read": "Table 1, Table 2",
        "rows_read": 20,
        "rows_loaded": 20,
        "empty_cells": 1,
        "areas": 5,
        "scotland_row": "yes",
        "years": "2023-24, 2024-25",
        "measures": "diversion_assessments, diversion_commenced, diversion_completed",
        "markers": "[c] x2, [low] x1, [p] x1, [p] [r] x1, [r] x1, [x] x2, [z] x2",
    }
    text = Path(_receipt_path(settings, "jsws_long.xlsx")).with_suffix(".txt").read_text()
    assert "Result:    ACCEPTED" in text and "legacy_marker" in text


def test_rejected_file_receipt_names_file_sheet_cell_and_value_and_loads_nothing(intake):
    settings, _, _ = intake
    receipt = _receipt(settings, "unreadable_value.csv")
    assert receipt["status"] == "rejected"
    errors = [i for i in receipt["issues"] if i["severity"] == "error"]
    assert [(i["code"], i["sheet"], i["cell"], i["value"]) for i in errors] == [
        ("not_a_number", "unreadable_value", "C2", "approx 40")
    ]
    assert receipt["summary"]["rows_loaded"] == 0 and receipt["summary"]["rows_read"] == 2
    text = Path(_receipt_path(settings, "unreadable_value.csv")).with_suffix(".txt").read_text()
    assert "REJECTED" in text and "C2" in text and "approx 40" in text and "What to do:" in text
    rejected_rows = _query(
        settings,
        """
        select count(*) from raw.partner_values v join raw.submissions s using (submission_id)
        where s.status = 'rejected'""",
    )
    assert rejected_rows == [(0,)]
    issues = _query(
        settings,
        """
        select i.code, i.sheet, i.cell, i.value from raw.issues i join raw.submissions s using (submission_id)
        where s.original_name = 'unknown_area.csv'""",
    )
    assert issues == [("unknown_area", "unknown_area", "A3", "Fyfe")]


def test_raw_partner_values_hold_exactly_the_parsed_values(intake):
    settings, _, _ = intake
    rows = _query(
        settings,
        """
        select v.area_code, v.financial_year, v.measure, v.value, v.marker, v.sheet, v.cell
        from raw.partner_values v join raw.submissions s using (submission_id)
        where s.original_name = 'custody_referrals.csv' order by v.cell""",
    )
    assert rows == [
        ("S12000047", "2023-24", "custody_referrals", 1234.0, None, "custody_referrals", "B3"),
        ("S12000017", "2023-24", "custody_referrals", 7.0, None, "custody_referrals", "B4"),
        ("S92000003", "2023-24", "custody_referrals", 2000.0, None, "custody_referrals", "B5"),
        ("S12000047", "2024-25", "custody_referrals", 56.0, None, "custody_referrals", "C3"),
        ("S12000017", "2024-25", "custody_referrals", None, "[c]", "custody_referrals", "C4"),
        ("S92000003", "2024-25", "custody_referrals", 1900.0, None, "custody_referrals", "C5"),
    ]


def test_arrival_order_follows_mtime(intake):
    settings, _, _ = intake
    order = _query(settings, "select original_name from raw.submissions order by arrival_seq")
    names = [r[0] for r in order]
    assert set(names[-2:]) == {"custody_revised.csv", "jsws_bad_revision.csv"}


# --- dbt: supersession and reconciliation ---


def test_later_file_supersedes_and_earlier_stays_queryable(built):
    settings, _ = built
    rows = _query(
        settings,
        """
        select file_name, value, marker, is_current from intermediate.int_partner_values_versioned
        where partner_source = 'police_custody' and area_code = 'S12000047'
          and financial_year = '2023-24' and measure = 'custody_referrals'
        order by arrival_seq""",
    )
    assert rows == [("custody_referrals.csv", 1234.0, None, False), ("custody_revised.csv", 1250.0, "[r]", True)]
    # untouched cells of the earlier file stay current
    assert _query(
        settings,
        """
        select value, is_current from intermediate.int_partner_values_versioned
        where area_code = 'S12000047' and financial_year = '2024-25' and measure = 'custody_referrals'
    """,
    ) == [(56.0, True)]
    # the rejected later jsws file superseded nothing
    assert _query(
        settings,
        """
        select file_name, value from intermediate.int_partner_values_versioned
        where area_code = 'S12000047' and financial_year = '2023-24' and measure = 'diversion_assessments'
          and is_current""",
    ) == [("jsws_long.xlsx", 1234.0)]


def _reconciliation(settings) -> dict[tuple[str, str, str], tuple]:
    rows = _query(
        settings,
        """
        select partner_source, financial_year, measure, scotland_value, area_sum, areas_with_value,
               areas_without_value, reconciliation_status
        from intermediate.int_scotland_reconciliation""",
    )
    return {r[:3]: r[3:] for r in rows}


def test_reconciliation_rules(built):
    settings, _ = built
    got = _reconciliation(settings)
    # all 32 areas: equality required
    assert got[("criminal_proceedings", "2024-25", "disposals_custody")] == (320.0, 320.0, 32, 0, "reconciles")
    assert got[("criminal_proceedings", "2024-25", "disposals_other")] == (321.0, 320.0, 32, 0, "mismatch")
    # areas missing: Scotland >= sum; the revised Fife custody value (1250) is the one summed
    assert got[("police_custody", "2023-24", "custody_referrals")] == (2000.0, 1257.0, 2, 30, "reconciles")
    assert got[("employability", "2024-25", "employability_participants")] == (3000.0, 3400.0, 2, 30, "mismatch")
    assert got[("jsws", "2023-24", "diversion_assessments")] == (5000.0, 1367.0, 3, 29, "reconciles")
    # scjs is a Scotland-only percentage: never summed
    assert not any(key[0] == "scjs" for key in got)


def test_mismatch_is_a_warning_naming_source_year_and_measure(built):
    settings, results = built
    (test,) = [r for uid, r in results.items() if "scotland_row_reconciles_with_sum_of_areas" in uid]
    assert test["status"] == "warn" and test["failures"] == 2
    mismatches = _query(
        settings,
        """
        select partner_source, financial_year, measure from intermediate.int_scotland_reconciliation
        where reconciliation_status = 'mismatch' order by 1""",
    )
    assert mismatches == [
        ("criminal_proceedings", "2024-25", "disposals_other"),
        ("employability", "2024-25", "employability_participants"),
    ]
    # every other test in the build passed: staging keys and ranges hold for every source
    others = {uid: r["status"] for uid, r in results.items() if uid.startswith("test.") and r is not test}
    assert others and set(others.values()) == {"pass"}, {u: s for u, s in others.items() if s != "pass"}
