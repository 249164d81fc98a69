"""The archive and ledger rebuild the warehouse; damage to the archive is an alert."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.lib.core.digest import sha256_bytes
from cj_pipeline.lib.core.notify import JsonLinesNotifier
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.intake.discovery import discover_upload_files
from cj_pipeline.lib.intake.rebuild import check_archive, rebuild_raw_from_archive, recover_warehouse
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.lib.warehouse.writer_lock import wait_for_warehouse, warehouse_holder
from cj_pipeline.settings import get_settings
from tests.hostile.make_corpus import _valid_bytes

AREA, YEAR = "S12000033", "2023-24"


def _drop(path, data, tick):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(1_700_000_000_000_000_000 + tick * 10**9,) * 2)


def _state(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        submissions = connection.execute(
            "select submission_id, sha256, status from raw.submissions order by arrival_seq"
        ).fetchall()
        rows = connection.execute("select count(*) from raw.return_measures").fetchone()[0]
        from cj_pipeline.lib.intake.changes import current_returns

        current = current_returns(connection)
    return submissions, rows, current


@pytest.fixture
def two_versions(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    first, second = _valid_bytes(tmp_path, AREA, YEAR, 1), _valid_bytes(tmp_path, AREA, YEAR, 2)
    assert first != second
    _drop(settings.uploads_dir / AREA / "v1.xlsx", first, 1)
    ingest_pending(settings, discover_upload_files(settings))
    _drop(settings.uploads_dir / AREA / "v2.xlsx", second, 2)
    ingest_pending(settings, discover_upload_files(settings))
    _drop(settings.uploads_dir / "junk.xlsx", b"not a workbook", 3)  # a rejected one too
    ingest_pending(settings, discover_upload_files(settings))
    return settings, _state(settings.warehouse_path), sha256_bytes(second)


def test_rebuild_restores_every_submission_from_the_archive_alone(two_versions):
    settings, before, second_sha = two_versions
    submissions, _, current = before
    assert [status for _, _, status in submissions] == ["accepted", "accepted", "rejected"]
    assert current[(AREA, YEAR)] == submissions[1][0]
    shutil.rmtree(settings.data_dir / "raw")
    settings.warehouse_path.unlink()
    report = rebuild_raw_from_archive(settings)
    assert report.problems == [] and report.submissions == 3
    after = _state(settings.warehouse_path)
    assert after == before  # same submissions (ids, order, status), same rows, same current one
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        [(sha,)] = connection.execute(
            "select sha256 from raw.submissions where submission_id = ?", [after[2][(AREA, YEAR)]]
        ).fetchall()
    assert sha == second_sha


def test_the_run_itself_rebuilds_a_missing_or_truncated_warehouse(two_versions):
    settings, before, _ = two_versions
    data = settings.warehouse_path.read_bytes()
    settings.warehouse_path.write_bytes(data[: len(data) // 3])  # truncated: "Could not read enough bytes"
    shutil.rmtree(settings.uploads_dir)
    report = ingest_pending(settings, discover_upload_files(settings))  # no traceback
    assert report.rebuilt_from_archive == 3
    assert _state(settings.warehouse_path) == before
    aside = list(settings.warehouse_path.parent.glob("cj.duckdb.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data[: len(data) // 3]  # set aside, not deleted
    settings.warehouse_path.unlink()
    ingest_pending(settings, [])
    assert _state(settings.warehouse_path) == before


@pytest.mark.parametrize("damage", ["delete", "alter"])
def test_a_missing_or_altered_archive_object_is_an_alert(two_versions, damage):
    settings, _, second_sha = two_versions
    path = archive.object_path(settings.archive_dir, second_sha)
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes() + b"tampered")
    [problem] = check_archive(settings)
    assert (problem.sha256, problem.problem) == (second_sha, "missing" if damage == "delete" else "altered")
    report = ingest_pending(settings, discover_upload_files(settings))  # an ordinary run notices
    assert [p.sha256 for p in report.archive_problems] == [second_sha]
    alerts = JsonLinesNotifier.for_data_dir(settings.data_dir).read_all()
    assert alerts and alerts[-1]["kind"] == "archive_integrity" and second_sha in alerts[-1]["message"]
    assert "v2.xlsx" in alerts[-1]["message"]
    # A rebuild says so too, and restores what the archive still holds.
    settings.warehouse_path.unlink()
    rebuilt = rebuild_raw_from_archive(settings)
    assert [p.sha256 for p in rebuilt.problems] == [second_sha]
    assert rebuilt.submissions == 2
    assert len(JsonLinesNotifier.for_data_dir(settings.data_dir).read_all()) == len(alerts) + 1


@pytest.mark.parametrize("damage", ["half", "garbage"])
def test_a_damaged_warehouse_is_not_mistaken_for_a_busy_one(two_versions, damage):
    """Before a run rebuilds a damaged warehouse it checks whether another program holds it:
    a truncated or overwritten file must read as 'not held', never as a DuckDB traceback."""
    settings, before, _ = two_versions
    data = settings.warehouse_path.read_bytes()
    broken = data[: len(data) // 2] if damage == "half" else os.urandom(len(data))
    settings.warehouse_path.write_bytes(broken)
    assert warehouse_holder(settings.warehouse_path) is None
    wait_for_warehouse(settings.warehouse_path, timeout=0.1)  # returns: nothing holds it
    report = recover_warehouse(settings)
    assert report.set_aside.read_bytes() == broken and "set aside as cj.duckdb.unreadable-" in report.sentence(
        settings.warehouse_path
    )
    assert _state(settings.warehouse_path) == before


def test_the_cli_run_sets_a_truncated_warehouse_aside_and_says_so(two_versions):
    settings, before, _ = two_versions
    data = settings.warehouse_path.read_bytes()
    settings.warehouse_path.write_bytes(data[: len(data) // 2])  # DuckDB: "Could not read enough bytes"
    result = CliRunner().invoke(cli.app, ["run", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "Could not read" not in result.output
    said = [line for line in result.output.splitlines() if "could not be read" in line]
    assert len(said) == 1 and "set aside as cj.duckdb.unreadable-" in said[0] and "rebuilt from the archive" in said[0]
    (aside,) = settings.warehouse_path.parent.glob("cj.duckdb.unreadable-*")
    assert aside.read_bytes() == data[: len(data) // 2]  # kept, not deleted
    assert _state(settings.warehouse_path)[0] == before[0]  # the same submissions, ids and order
