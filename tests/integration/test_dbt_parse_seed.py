"""A new warehouse's first dbt build starts from the project's prepared parse
(lib/warehouse/dbt_parse.py), not a full parse: dbt accepts the re-keyed file, and the
seeds keep the checksums dbt computes (so it does not re-parse them)."""

import msgpack
from dbt.artifacts.resources.base import FileHash
from dbt_common.clients.system import load_file_contents

from cj_pipeline.lib.warehouse.build_plan import dbt_output_log, dbt_target_path
from cj_pipeline.lib.warehouse.dbt_parse import PARSE_FILE, profile_hash, seed_checksum, seed_partial_parse
from cj_pipeline.settings import DBT_PROJECT_DIR, SEEDS_DIR

BLANK = "0" * 64  # the checksum dagster-dbt's preparer writes for every seed


def test_our_profile_hash_is_the_one_dbt_writes(built_warehouse):
    settings, _, result = built_warehouse
    assert result.success
    written = msgpack.unpackb((dbt_target_path(settings) / PARSE_FILE).read_bytes(), strict_map_key=False)
    assert written["state_check"]["profile_hash"]["checksum"] == profile_hash(settings.warehouse_path)


def test_the_first_build_of_a_warehouse_parsed_partially(built_warehouse):
    settings, _, _ = built_warehouse
    log = dbt_output_log(settings).read_text(encoding="utf-8", errors="replace")
    # dbt's console lines (info and up): a full parse always says why at that level ("Unable to
    # do partial parsing because ..."), next to the parse's own summary line.
    assert "Found " in log and " seeds, " in log
    assert "Unable to do partial parsing" not in log


def test_seeding_never_replaces_a_warehouse_s_own_parse(tmp_path):
    prepared, own = tmp_path / "prepared", tmp_path / "own"
    prepared.mkdir()
    state = {"state_check": {"profile_hash": {"name": "sha256", "checksum": "x"}}, "nodes": {}}
    (prepared / PARSE_FILE).write_bytes(msgpack.packb(state))
    assert seed_partial_parse(prepared, own, tmp_path / "cj.duckdb")
    seeded = msgpack.unpackb((own / PARSE_FILE).read_bytes(), strict_map_key=False)
    assert seeded["state_check"]["profile_hash"]["checksum"] == profile_hash(tmp_path / "cj.duckdb") != "x"
    assert not seed_partial_parse(prepared, own, tmp_path / "other.duckdb")  # it has one now


def test_our_seed_checksum_is_the_one_dbt_computes():
    seeds = sorted(SEEDS_DIR.glob("*.csv"))
    assert seeds
    for path in seeds:
        assert seed_checksum(path) == FileHash.from_contents(load_file_contents(str(path), strip=True)).checksum


def _seed_entries(parse_file):
    state = msgpack.unpackb(parse_file.read_bytes(), strict_map_key=False)
    return [entry for entry in state["files"].values() if entry.get("parse_file_type") == "seed"]


def test_seeding_restores_the_seeds_checksums_the_preparer_blanked(tmp_path):
    prepared = DBT_PROJECT_DIR / "target"
    assert {entry["checksum"]["checksum"] for entry in _seed_entries(prepared / PARSE_FILE)} == {BLANK}
    assert seed_partial_parse(prepared, tmp_path / "target", tmp_path / "cj.duckdb")
    entries = _seed_entries(tmp_path / "target" / PARSE_FILE)
    assert len(entries) == len(list(SEEDS_DIR.glob("*.csv")))
    for entry in entries:
        path = DBT_PROJECT_DIR / entry["path"]["searched_path"] / entry["path"]["relative_path"]
        assert entry["checksum"]["checksum"] == seed_checksum(path) != BLANK


def test_seeds_recorded_for_another_project_folder_stay_blank(tmp_path):
    """A parse prepared in another folder (a moved clone) keeps dagster-dbt's blank checksum:
    dbt re-reads those seeds from where they are now."""
    state = msgpack.unpackb((DBT_PROJECT_DIR / "target" / PARSE_FILE).read_bytes(), strict_map_key=False)
    for entry in state["files"].values():
        if entry.get("parse_file_type") == "seed":
            entry["path"]["project_root"] = "/somewhere/else/dbt_project"
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    (prepared / PARSE_FILE).write_bytes(msgpack.packb(state))
    assert seed_partial_parse(prepared, tmp_path / "target", tmp_path / "cj.duckdb")
    assert {entry["checksum"]["checksum"] for entry in _seed_entries(tmp_path / "target" / PARSE_FILE)} == {BLANK}
