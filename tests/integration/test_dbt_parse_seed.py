"""A new warehouse's first dbt build starts from the project's prepared parse
(lib/warehouse/dbt_parse.py), not a full parse: dbt accepts the re-keyed file."""

import msgpack

from cj_pipeline.lib.warehouse.build_plan import dbt_target_path
from cj_pipeline.lib.warehouse.dbt_parse import PARSE_FILE, profile_hash, seed_partial_parse


def test_our_profile_hash_is_the_one_dbt_writes(built_warehouse):
    settings, _, result = built_warehouse
    assert result.success
    written = msgpack.unpackb((dbt_target_path(settings) / PARSE_FILE).read_bytes(), strict_map_key=False)
    assert written["state_check"]["profile_hash"]["checksum"] == profile_hash(settings.warehouse_path)


def test_the_first_build_of_a_warehouse_parsed_partially(built_warehouse):
    settings, _, _ = built_warehouse
    log = (dbt_target_path(settings) / "dbt.log").read_text(encoding="utf-8", errors="replace")
    assert "Partial parsing enabled" in log
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
