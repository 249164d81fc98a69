"""One writer at a time: the warehouse file lock used by CLI runs (lib/warehouse/writer_lock.py)."""

import subprocess
import sys
import threading
import time

import pytest

from cj_pipeline.lib.warehouse.writer_lock import WarehouseBusyError, lock_path_for, warehouse_writer_lock

HOLDER = """
import sys, time
from pathlib import Path
from cj_pipeline.lib.warehouse.writer_lock import warehouse_writer_lock
with warehouse_writer_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold_in_another_process(lock_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_lock_lives_beside_the_warehouse(tmp_path):
    assert lock_path_for(tmp_path / "warehouse" / "cj.duckdb") == tmp_path / "warehouse" / ".writer.lock"


def test_second_writer_says_it_waits_then_stops_after_the_timeout(tmp_path):
    lock_path = tmp_path / "warehouse" / ".writer.lock"
    holder = _hold_in_another_process(lock_path)
    messages = []
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError, match="still being written by another run"):
            with warehouse_writer_lock(lock_path, timeout=0.5, on_wait=messages.append):
                raise AssertionError("both writers held the lock")
        assert time.monotonic() - started >= 0.5
        assert len(messages) == 1 and "Another pipeline run is writing the warehouse" in messages[0]
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    with warehouse_writer_lock(lock_path, timeout=5, on_wait=messages.append):
        pass
    assert len(messages) == 1, "a free lock is taken without waiting"


def test_a_waiting_writer_gets_the_lock_when_the_first_finishes(tmp_path):
    import threading

    lock_path = tmp_path / ".writer.lock"
    holder = _hold_in_another_process(lock_path)
    messages = []

    def release():
        holder.stdin.write("\n")
        holder.stdin.flush()

    threading.Timer(1.0, release).start()
    try:
        started = time.monotonic()
        with warehouse_writer_lock(lock_path, timeout=30, on_wait=messages.append):
            assert holder.wait(timeout=30) == 0, "the first writer has finished before we are in"
        assert time.monotonic() - started >= 0.9
        assert len(messages) == 1
    finally:
        if holder.poll() is None:
            holder.kill()


WRITER = """
import sys, time, json
from pathlib import Path
from cj_pipeline.lib.warehouse.writer_lock import warehouse_writer_lock
lock, log, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
for _ in range(5):
    with warehouse_writer_lock(lock, on_wait=lambda m: None):
        start = time.monotonic()
        time.sleep(0.05)
        with open(log, "a") as f:
            f.write(json.dumps([name, start, time.monotonic()]) + "\\n")
"""


def test_two_writers_never_hold_the_lock_at_once(tmp_path):
    import json

    lock_path, log = tmp_path / ".writer.lock", tmp_path / "log.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(lock_path), str(log), name]) for name in "ab"]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    spans = sorted(json.loads(line) for line in log.read_text().splitlines())
    spans.sort(key=lambda s: s[1])
    assert len(spans) == 10 and {s[0] for s in spans} == {"a", "b"}
    for earlier, later in zip(spans, spans[1:], strict=False):
        assert earlier[2] <= later[1], f"overlap: {earlier} and {later}"


READER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print("reading", flush=True)
sys.stdin.readline()
connection.close()
"""


def _read_in_another_process(warehouse):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout.readline().strip() == "reading"
    return reader


def test_a_writer_waits_out_a_brief_reader_then_writes(tmp_path, monkeypatch):
    """A sensor or analyst reading for a moment must not fail a run (db.connect retries)."""
    import duckdb

    from cj_pipeline.lib.core import db

    warehouse = tmp_path / "cj.duckdb"
    duckdb.connect(str(warehouse)).close()
    reader = _read_in_another_process(warehouse)
    threading_timer = threading.Timer(0.5, lambda: reader.communicate("done\n"))
    threading_timer.start()
    started = time.monotonic()
    with db.connect(warehouse) as connection:
        connection.execute("create table written as select 1 as x")
    assert 0.4 < time.monotonic() - started < db.WRITER_RETRY_SECONDS
    threading_timer.join()


def test_a_writer_still_fails_when_a_reader_stays(tmp_path, monkeypatch):
    import duckdb

    from cj_pipeline.lib.core import db

    monkeypatch.setattr(db, "WRITER_RETRY_SECONDS", 0.3)
    warehouse = tmp_path / "cj.duckdb"
    duckdb.connect(str(warehouse)).close()
    reader = _read_in_another_process(warehouse)
    try:
        with pytest.raises(duckdb.IOException, match="lock"), db.connect(warehouse):
            pass
    finally:
        reader.communicate("done\n")


def test_the_cli_says_the_warehouse_is_busy_in_one_plain_line(tmp_path, monkeypatch):
    # A run turned away by the lock exits 1 with the lock's own sentence, no traceback; the
    # folder's name is shown as written, even when it looks like rich markup.
    from typer.testing import CliRunner

    from cj_pipeline.cli import app
    from cj_pipeline.settings import get_settings

    settings = get_settings(tmp_path / "data [red]x[/red]")
    monkeypatch.setenv("CJ_WRITER_LOCK_TIMEOUT", "0.2")
    holder = _hold_in_another_process(lock_path_for(settings.warehouse_path))
    try:
        result = CliRunner().invoke(app, ["rebuild", "--data-dir", str(settings.data_dir)])
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in result.output
    error = said[said.index("Error: ") :]
    assert error.startswith("Error: The warehouse is still being written by another run")
    assert "data [red]x[/red]/warehouse" in error and f"warehouse of {settings.data_dir} from" in said
    assert not (settings.warehouse_path.parent / "cj.duckdb").exists()  # nothing was changed
