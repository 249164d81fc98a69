"""The stable-file rule, candidate listing and arrival fingerprints (lib/intake/stable_files.py)."""

import os

import duckdb

from cj_pipeline.lib.intake.stable_files import (
    StableState,
    batch_run_key,
    list_candidate_files,
    listing_fingerprint,
    new_arrivals,
    observe_file,
    take_stable_files,
    track_stable_files,
    waiting_files,
)
from cj_pipeline.lib.warehouse.schema import recorded_file_events
from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError


def test_a_file_is_taken_only_after_two_identical_looks():
    state = StableState()
    ready, state = track_stable_files(state, {"a.xlsx": (10, 1)})
    assert ready == []
    ready, state = track_stable_files(state, {"a.xlsx": (20, 2)})  # still growing
    assert ready == []
    ready, state = track_stable_files(state, {"a.xlsx": (20, 2)})
    assert ready == ["a.xlsx"]
    ready, state = track_stable_files(state, {"a.xlsx": (20, 2)})
    assert ready == [], "the same version is never taken twice"


def test_a_taken_file_that_changes_is_taken_again_once_stable():
    state = StableState(observed={"a.csv": (5, 1)}, taken={"a.csv": (5, 1)})
    ready, state = track_stable_files(state, {"a.csv": (6, 2)})
    assert ready == []
    ready, state = track_stable_files(state, {"a.csv": (6, 2)})
    assert ready == ["a.csv"]
    assert state.taken == {"a.csv": (6, 2)}


def test_vanished_files_are_forgotten_and_others_unaffected():
    state = StableState(observed={"a": (1, 1), "b": (2, 2)}, taken={"a": (1, 1)})
    ready, state = track_stable_files(state, {"b": (2, 2)})
    assert ready == ["b"]
    assert state.observed == {"b": (2, 2)}
    assert state.taken == {"b": (2, 2)}


def test_cursor_round_trips_and_bad_cursors_start_afresh():
    state = StableState(observed={"x/y.xlsx": (3, 4)}, taken={"x/y.xlsx": (3, 4)})
    assert StableState.from_cursor(state.to_cursor()) == state
    for bad in (None, "", "not json", '{"version": 99}', '{"version": 1, "observed": []}'):
        assert StableState.from_cursor(bad) == StableState()


def test_list_candidate_files_depths_and_skips(tmp_path):
    (tmp_path / "S12000036").mkdir()
    (tmp_path / "flat.xlsx").write_bytes(b"1")
    (tmp_path / "S12000036" / "edinburgh.xlsx").write_bytes(b"22")
    (tmp_path / "S12000036" / "deep").mkdir()
    (tmp_path / "S12000036" / "deep" / "too_deep.xlsx").write_bytes(b"3")
    (tmp_path / ".hidden.xlsx").write_bytes(b"4")
    (tmp_path / "~$flat.xlsx").write_bytes(b"5")
    listing = list_candidate_files(tmp_path)
    # Every depth is listed: intake gives a file too deep a rejected receipt saying where to put it.
    assert set(listing) == {"flat.xlsx", "S12000036/edinburgh.xlsx", "S12000036/deep/too_deep.xlsx"}
    assert set(list_candidate_files(tmp_path, max_depth=2)) == {"flat.xlsx", "S12000036/edinburgh.xlsx"}
    stat = os.stat(tmp_path / "S12000036" / "edinburgh.xlsx")
    assert listing["S12000036/edinburgh.xlsx"] == (2, stat.st_mtime_ns)
    assert set(list_candidate_files(tmp_path, min_depth=2)) == {
        "S12000036/edinburgh.xlsx",
        "S12000036/deep/too_deep.xlsx",
    }
    assert list_candidate_files(tmp_path / "missing") == {}


def test_run_key_depends_on_the_events_not_their_order():
    a = ("raw/a.csv", (1, 2), "aa")
    b = ("raw/b.csv", (3, 4), "bb")
    assert batch_run_key("p", [a, b]) == batch_run_key("p", [b, a])
    assert batch_run_key("p", [a]) != batch_run_key("p", [("raw/a.csv", (1, 2), "cc")])
    assert batch_run_key("p", [a]) != batch_run_key("p", [("raw/a.csv", (1, 9), "aa")])
    assert batch_run_key("p", [a]).startswith("p:")


def test_new_arrivals_and_fingerprint():
    listing = {"raw/uploads/a.xlsx": (1, 10), "raw/partners/jsws/b.csv": (2, 20)}
    known = {("raw/uploads/a.xlsx", 1, 10), ("raw/partners/jsws/b.csv", 2, 19)}
    assert new_arrivals(listing, known) == {"raw/partners/jsws/b.csv": (2, 20)}
    assert new_arrivals(listing, known | {("raw/partners/jsws/b.csv", 2, 20)}) == {}
    assert listing_fingerprint(listing) == listing_fingerprint(dict(reversed(listing.items())))
    assert listing_fingerprint(listing) != listing_fingerprint({"raw/uploads/a.xlsx": (1, 11)})


def test_waiting_files_are_keyed_relative_to_the_data_dir(tmp_path):
    uploads, partners = tmp_path / "raw" / "uploads", tmp_path / "raw" / "partners"
    (uploads / "S1").mkdir(parents=True)
    (partners / "jsws").mkdir(parents=True)
    (uploads / "S1" / "r.xlsx").write_bytes(b"x")
    (partners / "loose.csv").write_bytes(b"x")
    (partners / "jsws" / "t.csv").write_bytes(b"x")
    # A loose partner file is waiting too (intake rejects it with where to put it).
    assert set(waiting_files(uploads, partners, tmp_path)) == {
        "raw/uploads/S1/r.xlsx",
        "raw/partners/jsws/t.csv",
        "raw/partners/loose.csv",
    }


def test_recorded_file_events_reads_the_warehouse(tmp_path):
    path = tmp_path / "cj.duckdb"
    assert recorded_file_events(path) == set()
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw")
    assert recorded_file_events(path) == set(), "no file_events table yet"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table raw.file_events (relative_path varchar, size_bytes bigint, mtime_ns bigint)")
        connection.execute("insert into raw.file_events values ('raw/uploads/a.xlsx', 5, 7)")
    assert recorded_file_events(path) == {("raw/uploads/a.xlsx", 5, 7)}


def test_recorded_file_events_while_another_process_writes(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "cj.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        try:
            recorded_file_events(path)
        except WarehouseBusyError:
            pass
        else:
            raise AssertionError("expected WarehouseBusyError while a writer holds the file")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_settled_file_is_taken_at_the_first_look():
    second = 10**9
    now = 100 * second
    ready, state = track_stable_files(StableState(), {"old.xlsx": (5, now - 3 * second)}, now, 2 * second)
    assert ready == ["old.xlsx"]
    ready, _ = track_stable_files(state, {"old.xlsx": (5, now - 3 * second)}, now + second, 2 * second)
    assert ready == []  # the same version is never taken twice


def test_a_file_still_being_written_is_not_taken_however_short_the_tick():
    second = 10**9
    now = 100 * second
    state = StableState()
    for step in range(5):  # a writer appending every 0.5 s, looked at every 0.5 s
        look = now + step * second // 2
        ready, state = track_stable_files(state, {"big.xlsx": (step + 1, look)}, look, 2 * second)
        assert ready == []
    ready, state = track_stable_files(state, {"big.xlsx": (5, now + 2 * second)}, now + 5 * second, 2 * second)
    assert ready == ["big.xlsx"]  # the writer stopped 3 s ago


class _Clock:
    """A clock and a sleep that only move when slept; `during_sleep` runs while 'asleep'."""

    def __init__(self, now: int, during_sleep=None):
        self.now, self.slept, self.during_sleep = now, [], during_sleep

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += int(seconds * 10**9)
        if self.during_sleep:
            self.during_sleep()


SECOND = 10**9


def _take(previous, files, clock, wait=2 * SECOND):
    return take_stable_files(
        previous, dict(files), 2 * SECOND, observe=files.get, max_wait_ns=wait, clock=clock, sleep=clock.sleep
    )


def test_a_file_changed_just_before_the_look_is_taken_after_the_rest_of_the_settle_time():
    clock = _Clock(100 * SECOND)
    files = {"new.xlsx": (5, clock.now - SECOND // 2), "old.xlsx": (7, clock.now - 9 * SECOND)}
    ready, state = _take(StableState(), files, clock)
    assert ready == ["new.xlsx", "old.xlsx"]
    assert clock.slept == [1.5]  # only what was left of the 2 s, once
    assert state.taken == files
    ready, _ = _take(state, files, clock)
    assert ready == [] and clock.slept == [1.5], "taken once; nothing to wait for"


def test_a_file_whose_mtime_moves_during_the_settle_is_not_taken():
    clock = _Clock(100 * SECOND)
    files = {"big.xlsx": (1, clock.now - SECOND)}

    def writer_appends():
        files["big.xlsx"] = (2, clock.now)

    clock.during_sleep = writer_appends
    ready, state = _take(StableState(), files, clock)
    assert ready == [] and clock.slept == [1.0]
    assert state.observed == {"big.xlsx": (2, clock.now)} and state.taken == {}
    clock.during_sleep = None
    clock.now += 5 * SECOND  # the next tick: the writer stopped, the file settled
    ready, _ = _take(state, files, clock)
    assert ready == ["big.xlsx"]


def test_one_wait_per_look_for_the_youngest_and_never_longer_than_the_bound():
    clock = _Clock(100 * SECOND)
    files = {"a": (1, clock.now - SECOND), "b": (1, clock.now - SECOND // 4), "future": (1, clock.now + 60 * SECOND)}
    ready, state = _take(StableState(), files, clock)
    assert ready == ["a", "b"] and clock.slept == [1.75]
    assert "future" in state.observed and "future" not in state.taken  # left to the next look (two looks)
    clock = _Clock(100 * SECOND)
    ready, _ = _take(StableState(), {"young": (1, clock.now)}, clock, wait=SECOND)
    assert ready == [] and clock.slept == [], "2 s left is more than the 1 s bound: no wait, next look"


def test_a_file_removed_during_the_settle_is_forgotten():
    clock = _Clock(100 * SECOND)
    files = {"gone.xlsx": (1, clock.now - SECOND)}
    clock.during_sleep = lambda: files.pop("gone.xlsx")
    ready, state = _take(StableState(), files, clock)
    assert ready == [] and state == StableState()


def test_a_file_still_being_written_on_disk_is_not_taken(tmp_path):
    import threading
    import time

    path = tmp_path / "growing.xlsx"
    path.write_bytes(b"x")
    stop = threading.Event()

    def write():
        while not stop.wait(0.1):
            with open(path, "ab") as handle:
                handle.write(b"x")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        ready, state = take_stable_files(
            StableState(),
            list_candidate_files(tmp_path),
            2 * SECOND,
            observe=lambda name: observe_file(tmp_path / name),
            max_wait_ns=2 * SECOND,
        )
    finally:
        stop.set()
        writer.join()
    assert ready == [] and state.taken == {}
    later = time.time_ns() + 3 * SECOND  # as if the next look came 3 s after the writer stopped
    ready, _ = take_stable_files(
        state,
        list_candidate_files(tmp_path),
        2 * SECOND,
        observe=lambda name: observe_file(tmp_path / name),
        max_wait_ns=2 * SECOND,
        clock=lambda: later,
    )
    assert ready == ["growing.xlsx"]
