"""A run asks whether the warehouse reads whole before it starts and its intake step asks
again: unchanged bytes are read once per process, and any change is read again."""

import duckdb
import pytest

from cj_pipeline.lib.intake import rebuild
from cj_pipeline.lib.warehouse.schema import ensure_raw_schema


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "cj.duckdb"
    with duckdb.connect(str(path)) as connection:
        ensure_raw_schema(connection)
        connection.execute("create table filler as select range as n from range(200000)")
    return path


@pytest.fixture
def opened(monkeypatch) -> list:
    """Every warehouse opened by warehouse_is_readable, in order."""
    paths, real_connect = [], rebuild.connect
    monkeypatch.setattr(rebuild, "connect", lambda *a, **k: (paths.append(a[0]), real_connect(*a, **k))[1])
    return paths


def test_unchanged_warehouse_is_read_once_and_a_truncated_one_is_caught(warehouse, opened):
    assert rebuild.warehouse_is_readable(warehouse)
    assert rebuild.warehouse_is_readable(warehouse)
    assert len(opened) == 1
    data = warehouse.read_bytes()
    warehouse.write_bytes(data[: len(data) // 3])  # truncated in place: same file, new size
    assert not rebuild.warehouse_is_readable(warehouse)
    assert len(opened) == 2


def test_a_warehouse_written_since_is_read_again(warehouse, opened):
    assert rebuild.warehouse_is_readable(warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("insert into filler values (-1)")
    assert rebuild.warehouse_is_readable(warehouse)
    assert len(opened) == 2
