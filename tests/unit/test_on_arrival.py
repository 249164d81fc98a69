"""The check on arrival (lib/intake/on_arrival.py): a receipt before the run, with intake's own
verdict, archived before parsed, without the warehouse; and the run's receipt replacing it, so
one arrival has one receipt."""

import json
import os
import shutil
from pathlib import Path

import pytest

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.intake import archive, batch, receipts
from cj_pipeline.lib.intake.discovery import discover_partner_files, discover_upload_files
from cj_pipeline.lib.intake.on_arrival import check_on_arrival
from cj_pipeline.lib.intake.parsers import PARSERS
from cj_pipeline.lib.intake.rebuild import check_archive
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIFE = "S12000047"  # complete.xlsx is Fife's 2023-24 return


@pytest.fixture
def settings(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    return settings


def _drop(settings, where: str, source: Path | bytes) -> Path:
    target = settings.data_dir / where
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        shutil.copy(source, target)
    return target


def _run(settings):
    return ingest_pending(settings, discover_upload_files(settings) + discover_partner_files(settings))


def _receipt_files(settings) -> list[Path]:
    return sorted(p for p in settings.receipts_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def _codes(receipt) -> list[str]:
    return [issue["code"] for issue in receipt["issues"]]


CASES = {
    "accepted return": (f"raw/uploads/{FIFE}/fife.xlsx", FIXTURES / "pass" / "complete.xlsx", "accepted", []),
    "rejected return": ("raw/uploads/words.xlsx", FIXTURES / "fail" / "measure_numeric.xlsx", "rejected", None),
    "return in another area's folder": (
        "raw/uploads/S12000005/fife.xlsx",
        FIXTURES / "pass" / "complete.xlsx",
        "rejected",
        ["wrong_area_folder"],
    ),
    "accepted partner table": (
        "raw/partners/jsws/jsws_long.xlsx",
        FIXTURES / "partners" / "pass" / "jsws" / "jsws_long.xlsx",
        "accepted",
        None,
    ),
    "rejected partner table": (
        "raw/partners/jsws/negative.csv",
        FIXTURES / "partners" / "fail" / "jsws" / "negative_count.csv",
        "rejected",
        None,
    ),
    "misplaced return": (
        f"raw/uploads/{FIFE}/2024-25/deep.xlsx",
        FIXTURES / "pass" / "complete.xlsx",
        "rejected",
        ["misplaced_file"],
    ),
    "loose partner table": ("raw/partners/loose.csv", b"area,value\n", "rejected", ["misplaced_file"]),
    "unsafe name": (os.fsdecode(b"raw/uploads/caf\xe9.xlsx"), b"not a workbook", "rejected", None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_receipt_on_arrival_agrees_with_the_runs_which_replaces_it(settings, case):
    where, source, status, codes = CASES[case]
    path = _drop(settings, where, source)

    checked = check_on_arrival(settings, path)

    assert checked.status == status and checked.receipt is not None
    on_arrival = json.loads(checked.receipt.read_text())
    assert on_arrival["stage"] == receipts.CHECKED_ON_ARRIVAL
    assert on_arrival["duplicate_of"] is None and on_arrival["submission_id"] is None  # the run's to say
    if codes is not None:
        assert _codes(on_arrival) == codes
    assert status == "accepted" or any(i["severity"] == "error" for i in on_arrival["issues"])
    text = checked.receipt.with_suffix(".txt").read_text()
    assert f"Result:    {status.upper()}" in text and "CHECKED ON ARRIVAL" in text
    # A rejected file is never loaded: its receipt says what to do, not that a load follows.
    assert ("drop the corrected copy" in text) == (status == "rejected")
    assert ("loads the file into the warehouse" in text) == (status == "accepted")
    assert archive.object_path(settings.archive_dir, checked.sha256).read_bytes() == path.read_bytes()
    assert not settings.warehouse_path.exists()
    assert [p.name for p in _receipt_files(settings)] == [
        checked.receipt.name,
        checked.receipt.with_suffix(".txt").name,
    ]

    report = _run(settings)

    (final,) = report.receipts
    assert [p.name for p in _receipt_files(settings)] == [
        checked.receipt.name,
        checked.receipt.with_suffix(".txt").name,
    ]
    written = json.loads(checked.receipt.read_text())
    assert written == final and "stage" not in written
    assert "CHECKED ON ARRIVAL" not in checked.receipt.with_suffix(".txt").read_text()
    for key in ("event_id", "file", "sha256", "status", "area_code", "financial_year", "issues", "received_at"):
        assert written[key] == on_arrival[key], key
    assert receipts.all_notes(settings.receipts_dir) == []


def test_the_bytes_are_archived_before_they_are_parsed(settings):
    path = _drop(settings, f"raw/uploads/{FIFE}/fife.xlsx", FIXTURES / "pass" / "complete.xlsx")
    seen = []

    def parse(data, received, settings_):
        seen.append(archive.object_path(settings.archive_dir, sha256_bytes(data)).read_bytes() == data)
        return PARSERS[RETURN](data, received, settings_)

    checked = check_on_arrival(settings, path, parsers={RETURN: parse, PARTNER: PARSERS[PARTNER]})
    assert seen == [True] and checked.status == "accepted"


def test_the_check_never_opens_the_warehouse(settings, monkeypatch):
    import duckdb

    from cj_pipeline.lib.core import db

    def refuse(*args, **kwargs):
        raise AssertionError("the check on arrival opened the warehouse")

    monkeypatch.setattr(duckdb, "connect", refuse)
    monkeypatch.setattr(db, "connect", refuse)
    path = _drop(
        settings, "raw/partners/jsws/jsws_long.xlsx", FIXTURES / "partners" / "pass" / "jsws" / "jsws_long.xlsx"
    )
    assert check_on_arrival(settings, path).status == "accepted"


def test_a_file_refused_unread_is_not_archived_and_gets_the_same_verdict(settings, tmp_path):
    outside = tmp_path / "outside.xlsx"
    shutil.copy(FIXTURES / "pass" / "complete.xlsx", outside)
    link = settings.uploads_dir / "linked.xlsx"
    link.symlink_to(outside)
    checked = check_on_arrival(settings, link)
    assert checked.status == "rejected"
    assert _codes(json.loads(checked.receipt.read_text())) == ["link_outside_data_dir"]
    assert not (settings.archive_dir / "objects").exists()
    (final,) = _run(settings).receipts
    assert _codes(final) == ["link_outside_data_dir"] and len(_receipt_files(settings)) == 2


def test_a_second_look_at_the_same_arrival_writes_no_second_receipt(settings):
    path = _drop(settings, "raw/uploads/words.xlsx", FIXTURES / "fail" / "measure_numeric.xlsx")
    first = check_on_arrival(settings, path)
    again = check_on_arrival(settings, path)  # e.g. the sensor's cursor was reset before the run
    assert again.receipt is None and again.event_id == first.event_id
    assert len(_receipt_files(settings)) == 2
    assert check_on_arrival(settings, settings.uploads_dir / "gone.xlsx") is None


def test_the_archive_check_raises_no_alert_for_an_object_the_run_has_not_recorded(settings):
    path = _drop(settings, f"raw/uploads/{FIFE}/fife.xlsx", FIXTURES / "pass" / "complete.xlsx")
    checked = check_on_arrival(settings, path)
    assert archive.read_ledger(settings.archive_dir) == []  # the ledger line is the run's
    assert check_archive(settings) == []
    report = _run(settings)
    assert report.archive_problems == [] and not (settings.data_dir / "alerts").exists()
    (entry,) = archive.read_ledger(settings.archive_dir)
    assert entry["event_id"] == checked.event_id and entry["received_at"] == report.receipts[0]["received_at"]

    # Checked, then removed before any run read it: archived, never recorded, still no alert.
    other = _drop(settings, "raw/uploads/words.xlsx", FIXTURES / "fail" / "measure_numeric.xlsx")
    orphan = check_on_arrival(settings, other)
    other.unlink()
    report = _run(settings)
    assert report.archive_problems == [] and not (settings.data_dir / "alerts").exists()
    assert archive.object_path(settings.archive_dir, orphan.sha256).exists()
    gone = json.loads(orphan.receipt.read_text())
    assert gone["stage"] == receipts.NOT_LOADED
    assert "NOT LOADED" in orphan.receipt.with_suffix(".txt").read_text()
    assert receipts.all_notes(settings.receipts_dir) == []


def test_a_file_changed_before_the_run_read_it_says_its_first_version_was_not_loaded(settings):
    path = _drop(settings, "raw/uploads/words.xlsx", FIXTURES / "fail" / "measure_numeric.xlsx")
    first = check_on_arrival(settings, path)
    shutil.copy(FIXTURES / "pass" / "complete.xlsx", path)  # the writer finished: new bytes
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    (final,) = _run(settings).receipts  # the run reads the new version (its own arrival)
    assert final["status"] == "accepted" and final["event_id"] != first.event_id
    assert json.loads(first.receipt.read_text())["stage"] == receipts.NOT_LOADED
    assert len(_receipt_files(settings)) == 4  # two arrivals, one receipt each
    assert receipts.all_notes(settings.receipts_dir) == []


def test_a_run_that_recorded_the_arrival_before_the_check_keeps_the_only_receipt(settings, monkeypatch):
    path = _drop(settings, f"raw/uploads/{FIFE}/fife.xlsx", FIXTURES / "pass" / "complete.xlsx")
    (final,) = _run(settings).receipts
    # A check that came after that run (a race), in a later second: a receipt of another name.
    monkeypatch.setattr("cj_pipeline.lib.intake.on_arrival.now_utc", lambda: "2099-01-01T00:00:00.000000")
    late = check_on_arrival(settings, path)
    assert late.event_id == final["event_id"] and len(_receipt_files(settings)) == 4
    _run(settings)  # the next run finishes it: the run's receipt stays, the late one goes
    (only,) = [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*.json")]
    assert only == final and len(_receipt_files(settings)) == 2
    assert receipts.all_notes(settings.receipts_dir) == []


def test_a_crash_between_the_commit_and_the_receipt_is_repaired_over_the_receipt_on_arrival(settings, monkeypatch):
    path = _drop(settings, "raw/uploads/words.xlsx", FIXTURES / "fail" / "measure_numeric.xlsx")
    checked = check_on_arrival(settings, path)
    with monkeypatch.context() as patched:
        patched.setattr(batch, "_write_receipts", lambda settings, files, only_missing=False: None)  # the crash
        patched.setattr("cj_pipeline.lib.intake.run.finish_receipts_on_arrival", lambda connection, settings: 0)
        _run(settings)
    assert json.loads(checked.receipt.read_text())["stage"] == receipts.CHECKED_ON_ARRIVAL
    assert _run(settings).receipts == []  # nothing new; the receipt is repaired from the warehouse
    repaired = json.loads(checked.receipt.read_text())
    assert "stage" not in repaired and repaired["event_id"] == checked.event_id
    assert len(_receipt_files(settings)) == 2 and receipts.all_notes(settings.receipts_dir) == []
