"""Start each warehouse's dbt runs from the project's prepared parse, not a full parse.

`make setup` parses the dbt project once (dagster-dbt's preparer, project.py, writes
dbt_project/target/partial_parse.msgpack). Each warehouse has its own dbt target folder,
and dbt rejects a parse file made with another profile: the profile holds the warehouse
path, so a new data directory used to cost a full `dbt parse` (about 10 s) on its first
run. dbt's check is a hash of the profile's connection keys (dbt/parser/manifest.py,
`build_manifest_state_check`); we copy the prepared file and write in the hash dbt will
compute for this warehouse. Everything else dbt checks (project files, vars, env vars) is
left as it was, so a project changed since `make setup` is still re-parsed where it
changed, by dbt itself. If the hash were computed wrongly, dbt would simply parse in full.

dagster-dbt's preparer also blanks the checksum of every seed file in the prepared parse, so
that a project moved after `make setup` re-reads its seeds from their new place; that made
every new warehouse's first build re-parse all the seeds and rewrite its manifest (about
1.5 s of a cold run). A seed entry recorded for this very project folder gets back the
checksum dbt computes (`seed_checksum`), so dbt re-parses only seeds that really changed;
entries from another folder keep the blank one.
"""

from __future__ import annotations

import pprint
from pathlib import Path

from cj_pipeline.lib.core.atomic import write_atomic
from cj_pipeline.settings import DBT_PROJECT_DIR

PARSE_FILE = "partial_parse.msgpack"


def profile_hash(warehouse_path: Path) -> str:
    """The checksum dbt stores as state_check.profile_hash for our duckdb profile."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.artifacts.resources.base import FileHash

    credentials = DuckDBCredentials.from_dict({"type": "duckdb", "path": str(warehouse_path)})
    keys = sorted(credentials.connection_info())
    return FileHash.from_contents(pprint.pformat(keys)).checksum


def seed_checksum(path: Path) -> str:
    """What dbt stores as a seed file's checksum, computed as dbt does (dbt/parser/read_files.py,
    load_seed_source_file: the hash of the stripped text)."""
    from dbt.artifacts.resources.base import FileHash  # dbt's own functions, imported only when seeding
    from dbt_common.clients.system import load_file_contents

    return FileHash.from_contents(load_file_contents(str(path), strip=True)).checksum


def _restore_seed_checksums(state: dict, project_dir: Path) -> int:
    """Put back the checksum of each seed entry recorded under `project_dir` whose file is
    there. Returns how many were restored."""
    from dbt.constants import MAXIMUM_SEED_SIZE  # dbt hashes the path of a bigger seed, not its text

    restored = 0
    for entry in state.get("files", {}).values():
        where = entry.get("path", {})
        if entry.get("parse_file_type") != "seed" or where.get("project_root") != str(project_dir):
            continue
        path = project_dir / where.get("searched_path", "") / where.get("relative_path", "")
        if path.is_file() and path.stat().st_size <= MAXIMUM_SEED_SIZE:
            entry["checksum"] = {"name": "sha256", "checksum": seed_checksum(path)}
            restored += 1
    return restored


def seed_partial_parse(prepared_target: Path, warehouse_target: Path, warehouse_path: Path) -> bool:
    """Copy the project's prepared parse into a warehouse's dbt target folder, re-keyed to
    this warehouse's profile, when that folder has none. True if a file was written."""
    import msgpack

    source, destination = prepared_target / PARSE_FILE, warehouse_target / PARSE_FILE
    if destination.exists() or not source.exists():
        return False
    state = msgpack.unpackb(source.read_bytes(), strict_map_key=False)
    state["state_check"]["profile_hash"]["checksum"] = profile_hash(warehouse_path)
    _restore_seed_checksums(state, DBT_PROJECT_DIR)
    warehouse_target.mkdir(parents=True, exist_ok=True)
    # packb returns bytes; its stub allows None (Packer.pack without autoreset).
    write_atomic(destination, msgpack.packb(state))  # pyright: ignore[reportArgumentType]
    return True
