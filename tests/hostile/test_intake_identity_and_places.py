"""Hostile places and names: every file gets one receipt of its own, identity is bytes AND
place, any file name is handled, hard links are refused unread.

Each test builds its own small data folder; the fixtures are valid returns written by the
project's template writer (make_corpus._valid_bytes), placed or named in a hostile way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.intake.discovery import discover_partner_files, discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.intake.stable_files import batch_run_key, waiting_files
from cj_pipeline.settings import Settings, get_settings
from tests.hostile.make_corpus import ACCEPTED, REJECTED, _valid_bytes

ABERDEEN, SHIRE, YEAR = "S12000033", "S12000034", "2023-24"


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = get_settings(tmp_path / "data")
    s.ensure_dirs()
    return s


def _drop(path: Path, data: bytes, tick: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = 1_700_000_000_000_000_000 + tick * 10**9
    os.utime(path, ns=(stamp, stamp))
    return path


def _run(settings: Settings):
    return ingest_pending(settings, discover_upload_files(settings) + discover_partner_files(settings))


def _codes(receipt: dict) -> list[str]:
    return [i["code"] for i in receipt["issues"] if i["severity"] == "error"]


def _written_receipts(settings: Settings) -> list[dict]:
    return [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*.json")]


# --- nothing under the upload folders is silently ignored ------------------------------------


def test_every_file_at_any_depth_gets_a_receipt_saying_where_to_put_it(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    up, partners = settings.uploads_dir, settings.partners_dir
    _drop(up / ABERDEEN / "2024-25" / "final" / "deep.xlsx", valid, 1)
    _drop(up / "a" / "b" / "c" / "d" / "deeper.xlsx", valid, 2)
    _drop(partners / "loose.csv", b"area,value\n", 3)
    _drop(partners / "recorded_crime" / "2024" / "nested.csv", b"area,value\n", 4)
    _drop(up / ABERDEEN / "ok.xlsx", valid, 5)  # where it may sit: read and accepted
    # The sensor's listing sees every one of them.
    listed = set(waiting_files(up, partners, settings.data_dir))
    assert listed == {
        f"raw/uploads/{ABERDEEN}/2024-25/final/deep.xlsx",
        "raw/uploads/a/b/c/d/deeper.xlsx",
        "raw/partners/loose.csv",
        "raw/partners/recorded_crime/2024/nested.csv",
        f"raw/uploads/{ABERDEEN}/ok.xlsx",
    }
    report = _run(settings)
    by_file = {r["file"]: r for r in report.receipts}
    assert set(by_file) == {"deep.xlsx", "deeper.xlsx", "loose.csv", "nested.csv", "ok.xlsx"}
    assert by_file["ok.xlsx"]["status"] == ACCEPTED
    for name in ("deep.xlsx", "deeper.xlsx", "loose.csv", "nested.csv"):
        assert by_file[name]["status"] == REJECTED and _codes(by_file[name]) == ["misplaced_file"], name
    assert f"raw/uploads/{ABERDEEN}/" in by_file["deep.xlsx"]["issues"][0]["guidance"]
    assert "raw/partners/<source>/" in by_file["loose.csv"]["issues"][0]["guidance"]
    assert "raw/partners/recorded_crime/" in by_file["nested.csv"]["issues"][0]["guidance"]
    # ... and the misplaced bytes are archived: nothing received is lost.
    shas = {r["sha256"] for r in report.receipts}
    assert all((settings.archive_dir / "objects" / s[:2] / s).exists() for s in shas)


# --- identity is bytes AND place -----------------------------------------------------------


def test_rejected_in_the_wrong_folder_then_accepted_in_the_right_one(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    wrong = _drop(settings.uploads_dir / SHIRE / "aberdeen.xlsx", valid, 1)
    first = _run(settings)
    assert [(r["status"], _codes(r)) for r in first.receipts] == [(REJECTED, ["wrong_area_folder"])]
    wrong.unlink()
    _drop(settings.uploads_dir / ABERDEEN / "aberdeen.xlsx", valid, 2)
    second = _run(settings)
    assert [(r["status"], r["duplicate_of"], _codes(r)) for r in second.receipts] == [(ACCEPTED, None, [])]
    assert "No action needed" not in json.dumps(second.receipts)


def test_a_copy_of_an_accepted_return_in_another_areas_folder_is_wrong_area_folder(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    _drop(settings.uploads_dir / ABERDEEN / "aberdeen.xlsx", valid, 1)
    assert [r["status"] for r in _run(settings).receipts] == [ACCEPTED]
    _drop(settings.uploads_dir / SHIRE / "aberdeen.xlsx", valid, 2)
    [receipt] = _run(settings).receipts
    assert receipt["duplicate_of"] is None
    assert (receipt["status"], _codes(receipt)) == (REJECTED, ["wrong_area_folder"])


def test_the_same_bytes_in_the_same_place_after_acceptance_are_a_duplicate(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    _drop(settings.uploads_dir / ABERDEEN / "a.xlsx", valid, 1)
    _drop(settings.uploads_dir / ABERDEEN / "b.xlsx", valid, 2)
    first, second = sorted(_run(settings).receipts, key=lambda r: r["file"])
    assert first["status"] == ACCEPTED and first["duplicate_of"] is None
    assert second["duplicate_of"] == first["submission_id"]
    assert [i["code"] for i in second["issues"]] == ["duplicate_file"]


def test_rejected_by_a_limit_then_accepted_once_the_limit_is_raised(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    tight = Settings(data_dir=settings.data_dir, max_sheets=2)
    path = _drop(settings.uploads_dir / "aberdeen.xlsx", valid, 1)
    [first] = ingest_pending(tight, discover_upload_files(tight)).receipts
    assert (first["status"], _codes(first)) == (REJECTED, ["too_many_sheets"])
    os.utime(path, ns=(1_700_000_100_000_000_000,) * 2)  # sent again (same name and bytes)
    [second] = ingest_pending(settings, discover_upload_files(settings)).receipts
    assert (second["status"], second["duplicate_of"]) == (ACCEPTED, None)


def test_a_partner_table_under_the_wrong_source_does_not_block_the_right_one(settings, tmp_path):
    table = b"not, a table this source knows\n1,2\n"
    _drop(settings.partners_dir / "reconvictions" / "t.csv", table, 1)
    [first] = _run(settings).receipts
    assert first["status"] == REJECTED
    _drop(settings.partners_dir / "recorded_crime" / "t.csv", table, 2)
    [second] = _run(settings).receipts
    assert second["duplicate_of"] is None and second["source"] == "recorded_crime"  # judged afresh
    assert "duplicate_file" not in [i["code"] for i in second["issues"]]


# --- one receipt per arrival ---------------------------------------------------------------


def test_same_name_and_bytes_in_two_folders_in_one_run_get_two_receipts(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    _drop(settings.uploads_dir / ABERDEEN / "return.xlsx", valid, 1)
    _drop(settings.uploads_dir / "return.xlsx", valid, 1)
    _drop(settings.uploads_dir / SHIRE / "return.xlsx", valid, 1)
    report = _run(settings)
    assert len(report.receipts) == 3
    written = _written_receipts(settings)
    assert len(written) == 3 and len(list(settings.receipts_dir.glob("*.txt"))) == 3
    assert sorted(r["folder"] for r in written) == sorted(
        ["raw/uploads", f"raw/uploads/{ABERDEEN}", f"raw/uploads/{SHIRE}"]
    )
    assert len({r["event_id"] for r in written}) == 3


# --- any file name -------------------------------------------------------------------------


def test_a_name_that_is_not_utf8_gets_a_receipt_and_stops_nothing(settings, tmp_path):
    valid = _valid_bytes(tmp_path, ABERDEEN, YEAR, 1)
    uploads = os.fsencode(settings.uploads_dir)
    bad = os.path.join(uploads, b"caf\xe9 \xff\xfe.xlsx")
    with open(bad, "wb") as handle:
        handle.write(_valid_bytes(tmp_path, SHIRE, YEAR, 2))
    os.makedirs(os.path.join(uploads, b"S1200\xff"), exist_ok=True)
    with open(os.path.join(uploads, b"S1200\xff", b"in_bad_folder.xlsx"), "wb") as handle:
        handle.write(b"x")
    _drop(settings.uploads_dir / "good.xlsx", valid, 1)
    assert len(waiting_files(settings.uploads_dir, settings.partners_dir, settings.data_dir)) == 3
    batch_run_key("raw/uploads", [(os.fsdecode(bad), (1, 2), "ab")])  # the sensor's key: no error
    report = _run(settings)  # must not raise
    by_file = {r["file"]: r for r in report.receipts}
    assert by_file["good.xlsx"]["status"] == ACCEPTED
    assert by_file["caf\\xe9 \\xff\\xfe.xlsx"]["status"] == REJECTED
    assert _codes(by_file["caf\\xe9 \\xff\\xfe.xlsx"]) == ["unsafe_file_name"]
    assert "unsafe_file_name" in _codes(by_file["in_bad_folder.xlsx"])
    assert len(_written_receipts(settings)) == 3
    again = _run(settings)  # the next run knows them: nothing new, no error
    assert again.receipts == [] and again.skipped == 3
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.file_events").fetchone()[0] == 3


def test_a_newline_in_a_name_cannot_forge_a_log_line(settings, tmp_path):
    from cj_pipeline.lib.core.names import shown_name

    forged = "x.xlsx\n2024-01-01 - dagster - INFO - raw/uploads/all_good.xlsx: accepted"
    _drop(settings.uploads_dir / forged, b"not a workbook", 1)
    lines = []
    ingest_pending(
        settings, discover_upload_files(settings), progress=lambda rf, r: lines.append(shown_name(rf.relative_path))
    )
    assert len(lines) == 1 and "\n" not in lines[0] and "\\u000a" in lines[0]


# --- hard links ------------------------------------------------------------------------------


def test_a_hard_link_is_refused_unread_like_a_symlink(settings, tmp_path):
    outside = tmp_path / "outside.xlsx"  # outside the data folder, same disk
    outside.write_bytes(_valid_bytes(tmp_path, ABERDEEN, YEAR, 1) + b"SECRET-HARD-LINK")
    os.link(outside, settings.uploads_dir / "linked.xlsx")
    [receipt] = _run(settings).receipts
    assert (receipt["status"], _codes(receipt)) == (REJECTED, ["hard_link"])
    objects = [p for p in (settings.archive_dir / "objects").rglob("*") if p.is_file()]
    assert all(b"SECRET-HARD-LINK" not in p.read_bytes() for p in objects)
