"""Every file of the hostile corpus through `validate_file` and through intake.

Each must end in a receipt with the expected status and error code, no traceback, nothing
read from outside the data dir, and bounded time and memory per file (the bounds follow
from the documented limits CJ_MAX_FILE_BYTES, CJ_MAX_ROWS, CJ_MAX_CELLS, CJ_MAX_SHEETS).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.intake.discovery import discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.intake.stable_files import StableState, list_candidate_files, track_stable_files
from cj_pipeline.lib.returns.validate import validate_file
from cj_pipeline.settings import get_settings
from tests.hostile.make_corpus import ACCEPTED, REJECTED, SECRET, _valid_bytes, make_corpus, make_links

# CPU seconds (time.process_time), not wall time: the bound is about the work a file
# causes, and must not flake when other jobs load the machine. Wall time is printed.
MAX_SECONDS_PER_FILE = 2.0
MAX_MB_PER_FILE = 200


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) so each file's peak can be read alone."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    settings = get_settings(root / "data")
    settings.ensure_dirs()
    outside = root / "outside"
    cases = make_corpus(settings.uploads_dir, outside, root / "scratch")
    cases += make_links(settings.uploads_dir, settings.data_dir, outside)
    return settings, cases, outside


def _error_codes(receipt: dict) -> list[str]:
    return [issue["code"] for issue in receipt["issues"] if issue["severity"] == "error"]


def test_corpus_is_big_enough(corpus):
    _, cases, _ = corpus
    assert len(cases) >= 60
    assert len({case.name for case in cases}) == len(cases)


def test_every_file_through_validate_file(corpus, capsys):
    settings, cases, _ = corpus
    can_reset = _reset_peak_rss()
    baseline = _peak_rss_mb()
    tally, slow, heavy, walls = Counter(), [], [], {}
    for case in cases:
        if not case.validate:
            continue
        _reset_peak_rss()
        started, wall = time.process_time(), time.perf_counter()
        receipt = validate_file(settings.uploads_dir / case.name, settings)  # must not raise
        seconds, wall = time.process_time() - started, time.perf_counter() - wall
        walls[case.name] = wall
        # Peak RSS counts calamine's (Rust) memory too, which tracemalloc cannot see.
        rss_growth = _peak_rss_mb() - baseline if can_reset else _peak_rss_mb()
        assert receipt["file"] == case.name
        assert receipt["status"] == case.status, (case.name, receipt["issues"])
        if case.code:
            assert case.code in _error_codes(receipt), (case.name, receipt["issues"])
        else:
            assert _error_codes(receipt) == [], (case.name, receipt["issues"])
        for issue in receipt["issues"]:  # every problem says what was wrong and how to fix it
            assert issue["message"] and issue["guidance"], (case.name, issue)
        if seconds > MAX_SECONDS_PER_FILE:
            slow.append((case.name, round(seconds, 2)))
        if rss_growth > MAX_MB_PER_FILE:
            heavy.append((case.name, round(rss_growth)))
        tally[(receipt["status"], (_error_codes(receipt) or ["-"])[0])] += 1
    with capsys.disabled():
        print(
            f"\nhostile corpus via validate_file: {sum(tally.values())} files, slowest wall "
            f"{max(walls.values()):.2f} s ({max(walls, key=walls.get)!r})"
        )
        for (status, code), n in sorted(tally.items()):
            print(f"  {status:9} {code:28} {n}")
    assert slow == [], f"over {MAX_SECONDS_PER_FILE} s: {slow}"
    assert heavy == [], f"over {MAX_MB_PER_FILE} MB peak RSS growth: {heavy}"


def test_every_file_through_intake(corpus, capsys, tmp_path):
    settings, cases, outside = corpus
    # Warm up once elsewhere: first-use costs (imports, DuckDB's Arrow scan) are not a file's cost.
    warm = get_settings(tmp_path / "warm")
    warm.ensure_dirs()
    (warm.uploads_dir / "valid.xlsx").write_bytes((settings.uploads_dir / "valid.xlsx").read_bytes())
    ingest_pending(warm, discover_upload_files(warm))
    files = discover_upload_files(settings)
    # Names starting with '.' are hidden files, never submissions ('..\\..\\x.xlsx' among them).
    hidden = {case.name for case in cases if case.name.startswith(".")}
    assert hidden
    cases = [case for case in cases if case.name not in hidden]
    assert {f.path.name for f in files} == {case.name for case in cases}
    timings: dict[str, float] = {}
    last = [time.process_time()]

    def progress(received, receipt):
        now = time.process_time()
        timings[received.path.name] = now - last[0]
        last[0] = now

    ingest_pending(settings, [])  # create the warehouse first
    _reset_peak_rss()
    last[0] = time.process_time()
    report = ingest_pending(settings, files, progress=progress)
    assert _peak_rss_mb() < 1024  # the whole run, 90+ hostile files, stays under 1 GB
    by_file = {receipt["file"]: receipt for receipt in report.receipts}
    assert set(by_file) == {case.name for case in cases}  # every file got a receipt
    seen: dict[str, str] = {}  # sha256 -> status of its first arrival
    tally = Counter()
    for case in cases:
        receipt = by_file[case.name]
        if receipt["duplicate_of"]:  # the same bytes as an earlier file: one submission, a duplicate receipt
            assert receipt["status"] == seen[receipt["sha256"]], case.name
            assert [i["code"] for i in receipt["issues"]] == ["duplicate_file"]
            tally[("duplicate", "-")] += 1
            continue
        assert receipt["status"] == case.status, (case.name, receipt["issues"])
        if case.code:
            assert case.code in _error_codes(receipt), (case.name, receipt["issues"])
        else:
            assert _error_codes(receipt) == [], (case.name, receipt["issues"])
        seen.setdefault(receipt["sha256"], receipt["status"])
        tally[(receipt["status"], (_error_codes(receipt) or ["-"])[0])] += 1
    for name in ("hidden_sheet.xlsx", "very_hidden_sheet.xlsx"):  # accepted, but the sender is told
        assert "hidden_sheet" in {i["code"] for i in by_file[name]["issues"] if i["severity"] == "warning"}
    slow = {name: round(s, 2) for name, s in timings.items() if s > MAX_SECONDS_PER_FILE}
    assert slow == {}

    # A receipt file on disk for every arrival, inside receipts/ (odd names cannot escape it).
    written = [json.loads(p.read_text()) for p in settings.receipts_dir.glob("*.json")]
    assert sorted(r["file"] for r in written) == sorted(case.name for case in cases)
    assert all(p.parent == settings.receipts_dir for p in settings.receipts_dir.rglob("*"))
    # Text receipts show control characters in names (escape sequences, bells, RTL overrides)
    # as \\uXXXX: a file name cannot rewrite the terminal or disguise the verdict.
    for path in settings.receipts_dir.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert all(ch.isprintable() or ch == "\n" for ch in text), path.name
    assert any("\\u001b" in p.read_text(encoding="utf-8") for p in settings.receipts_dir.glob("*.txt"))

    # Nothing from outside the data dir was read: no archived object holds those bytes.
    objects = [p for p in (settings.archive_dir / "objects").rglob("*") if p.is_file()]
    assert objects
    for path in objects:
        assert SECRET not in path.read_bytes(), path
    outside_shas = {sha256_bytes(p.read_bytes()) for p in outside.iterdir() if p.is_file()}
    assert not outside_shas & {p.name for p in objects}
    for name in ("link_outside_secret.xlsx", "link_etc_passwd.xlsx", "link_dev_zero.xlsx"):
        assert by_file[name]["sha256"] == sha256_bytes(b"")  # hashed nothing: never opened

    # Every file is one file event; rejected files leave no rows.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        events = connection.execute("select original_name from raw.file_events").fetchall()
        assert sorted(name for (name,) in events) == sorted(case.name for case in cases)
        leaked = connection.execute(
            "select count(*) from raw.return_evidence e join raw.submissions s using (submission_id) "
            "where s.status <> 'accepted'"
        ).fetchone()[0]
        assert leaked == 0
    # A second run finds nothing new.
    again = ingest_pending(settings, discover_upload_files(settings))
    assert again.receipts == [] and again.skipped == len(cases)
    with capsys.disabled():
        print(
            f"\nhostile corpus via intake: {len(cases)} files, slowest "
            f"{max(timings.values()):.2f} s ({max(timings, key=timings.get)!r})"
        )
        for (status, code), n in sorted(tally.items()):
            print(f"  {status:9} {code:28} {n}")


def test_a_file_still_being_written_is_taken_only_when_stable(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    data = _valid_bytes(tmp_path)
    path = settings.uploads_dir / "growing.xlsx"
    state = StableState()
    taken_at = None
    for tick, written in enumerate([len(data) // 4, len(data) // 2, len(data), len(data), len(data)]):
        if path.exists() and path.stat().st_size != written or not path.exists():
            path.write_bytes(data[:written])
            os.utime(path, ns=(tick * 10**9, tick * 10**9))
        ready, state = track_stable_files(
            StableState.from_cursor(state.to_cursor()), list_candidate_files(settings.uploads_dir)
        )
        if ready:
            assert ready == ["growing.xlsx"] and taken_at is None
            taken_at = tick
    assert taken_at == 3  # complete at tick 2, unchanged at tick 3: taken then, once
    report = ingest_pending(settings, discover_upload_files(settings))
    assert [r["status"] for r in report.receipts] == [ACCEPTED]


def test_a_half_written_file_taken_anyway_is_rejected_then_the_whole_file_accepted(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    data = _valid_bytes(tmp_path)
    path = settings.uploads_dir / "copying.xlsx"
    path.write_bytes(data[: len(data) // 2])
    first = ingest_pending(settings, discover_upload_files(settings))
    assert [(r["status"], _error_codes(r)) for r in first.receipts] == [(REJECTED, ["corrupt_workbook"])]
    path.write_bytes(data)
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    second = ingest_pending(settings, discover_upload_files(settings))
    assert [r["status"] for r in second.receipts] == [ACCEPTED]


def test_area_folders_cannot_be_borrowed(tmp_path):
    """A return in another area's folder, a lookalike folder name, or a linked folder is refused."""
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    aberdeen, aberdeenshire = "S12000033", "S12000034"
    (settings.uploads_dir / aberdeenshire).mkdir()
    (settings.uploads_dir / aberdeenshire / "aberdeen.xlsx").write_bytes(_valid_bytes(tmp_path, aberdeen, "2023-24", 1))
    lookalike = "S12\u041e\u041e0034"  # Cyrillic capital O twice
    (settings.uploads_dir / lookalike).mkdir()
    (settings.uploads_dir / lookalike / "shire.xlsx").write_bytes(_valid_bytes(tmp_path, aberdeenshire, "2023-24", 2))
    (settings.uploads_dir / "S12000036").symlink_to(settings.uploads_dir / aberdeenshire)  # a linked folder
    report = ingest_pending(settings, discover_upload_files(settings))
    outcome = sorted((r["folder"], r["file"], r["status"], _error_codes(r)) for r in report.receipts)
    assert outcome == [
        ("raw/uploads", "S12000036", REJECTED, ["unreadable_file"]),  # not walked: refused unread
        ("raw/uploads/S12000034", "aberdeen.xlsx", REJECTED, ["wrong_area_folder"]),
        (f"raw/uploads/{lookalike}", "shire.xlsx", REJECTED, ["unknown_area_folder"]),
    ]
