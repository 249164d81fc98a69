"""Start each warehouse's dbt runs from the project's prepared parse, not a full parse.

`make setup` parses the dbt project once (dagster-dbt's prepare-and-package writes
dbt_project/target/partial_parse.msgpack). Each warehouse has its own dbt target folder,
and dbt rejects a parse file made with another profile: the profile holds the warehouse
path, so a new data directory used to cost a full `dbt parse` (about 10 s) on its first
run. dbt's check is a hash of the profile's connection keys (dbt/parser/manifest.py,
`build_manifest_state_check`); we copy the prepared file and write in the hash dbt will
compute for this warehouse. Everything else dbt checks (project files, vars, env vars) is
left as it was, so a project changed since `make setup` is still re-parsed where it
changed, by dbt itself. If the hash were computed wrongly, dbt would simply parse in full.
"""

from __future__ import annotations

import pprint
from pathlib import Path

from cj_pipeline.lib.core.atomic import write_atomic

PARSE_FILE = "partial_parse.msgpack"


def profile_hash(warehouse_path: Path) -> str:
    """The checksum dbt stores as state_check.profile_hash for our duckdb profile."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.artifacts.resources.base import FileHash

    credentials = DuckDBCredentials.from_dict({"type": "duckdb", "path": str(warehouse_path)})
    keys = sorted(credentials.connection_info())
    return FileHash.from_contents(pprint.pformat(keys)).checksum


def seed_partial_parse(prepared_target: Path, warehouse_target: Path, warehouse_path: Path) -> bool:
    """Copy the project's prepared parse into a warehouse's dbt target folder, re-keyed to
    this warehouse's profile, when that folder has none. True if a file was written."""
    import msgpack

    source, destination = prepared_target / PARSE_FILE, warehouse_target / PARSE_FILE
    if destination.exists() or not source.exists():
        return False
    state = msgpack.unpackb(source.read_bytes(), strict_map_key=False)
    state["state_check"]["profile_hash"]["checksum"] = profile_hash(warehouse_path)
    warehouse_target.mkdir(parents=True, exist_ok=True)
    # packb returns bytes; its stub allows None (Packer.pack without autoreset).
    write_atomic(destination, msgpack.packb(state))  # pyright: ignore[reportArgumentType]
    return True
