"""A run asks whether the warehouse reads whole before it starts and its intake step asks
again: unchanged bytes are read once per process, and any change is read again."""

import duckdb

from cj_pipeline.lib.intake import rebuild
from cj_pipeline.lib.warehouse.schema import ensure_raw_schema


def _warehouse(path):
    with duckdb.connect(str(path)) as connection:
        ensure_raw_schema(connection)
        connection.execute("create table filler as select range as n from range(200000)")
    return path


def test_unchanged_warehouse_is_read_once_and_a_truncated_one_is_caught(tmp_path, monkeypatch):
    path = _warehouse(tmp_path / "cj.duckdb")
    opened = []
    real_connect = rebuild.connect
    monkeypatch.setattr(rebuild, "connect", lambda *a, **k: (opened.append(a[0]), real_connect(*a, **k))[1])
    assert rebuild.warehouse_is_readable(path)
    assert rebuild.warehouse_is_readable(path)
    assert len(opened) == 1
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # truncated in place: same file, new size
    assert not rebuild.warehouse_is_readable(path)
    assert len(opened) == 2


def test_a_warehouse_written_since_is_read_again(tmp_path, monkeypatch):
    path = _warehouse(tmp_path / "cj.duckdb")
    opened = []
    real_connect = rebuild.connect
    monkeypatch.setattr(rebuild, "connect", lambda *a, **k: (opened.append(a[0]), real_connect(*a, **k))[1])
    assert rebuild.warehouse_is_readable(path)
    with duckdb.connect(str(path)) as connection:
        connection.execute("insert into filler values (-1)")
    assert rebuild.warehouse_is_readable(path)
    assert len(opened) == 2
