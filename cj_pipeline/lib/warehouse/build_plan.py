"""What the warehouse's dbt relations were built from, and what a run must rebuild.

After every successful dbt build the pipeline records, next to the warehouse
(`dbt_build_state.json`; dbt's own target folder for this warehouse is `dbt_target/`):
- `fingerprint`: a hash of the dbt project's files and seeds, updated by full builds only;
- `built_through`: per kind of file, the last raw.submissions.arrival_seq the models have
  seen (the raw tables are append-only, so later rows are not in the models yet).
The record moves on only when dbt succeeds: after a failed or killed build the next run
rebuilds what that run had ingested (and everything if the project had changed).
`plan_build` turns the record and what is waiting into a plan: a full build, or a refresh
of the kinds of file that are new. Plain functions: the Dagster jobs are chosen in
defs/warehouse/assets.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cj_pipeline.lib.intake.batch import PARTNER, RETURN
from cj_pipeline.settings import DBT_PROJECT_DIR, SEEDS_DIR, Settings

FILE_KINDS = (RETURN, PARTNER)

STATE_FILE = "dbt_build_state.json"
# What decides the relations dbt builds: the project's own files and the seeds.
PROJECT_INPUTS = ("dbt_project.yml", "models", "macros", "tests", "snapshots", "analyses")


def dbt_project_fingerprint() -> str:
    """sha256 over the path and bytes of every file that can change what dbt builds."""
    digest = hashlib.sha256()
    roots = [DBT_PROJECT_DIR / name for name in PROJECT_INPUTS] + [SEEDS_DIR]
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        for path in files:
            digest.update(f"{path.relative_to(root.parent).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuildState:
    fingerprint: str | None = None
    built_through: dict[str, int] = field(default_factory=dict)


def state_path(settings: Settings) -> Path:
    return settings.warehouse_path.with_name(STATE_FILE)


def dbt_target_path(settings: Settings) -> Path:
    """dbt's target folder (artifacts, logs, partial parse) for this warehouse."""
    return settings.warehouse_path.with_name("dbt_target")


def read_build_state(settings: Settings) -> BuildState | None:
    try:
        data = json.loads(state_path(settings).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return BuildState(data.get("fingerprint"), {k: int(v) for k, v in data.get("built_through", {}).items()})


def write_build_state(settings: Settings, state: BuildState) -> None:
    path = state_path(settings)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"fingerprint": state.fingerprint, "built_through": state.built_through}, indent=2))
    temporary.replace(path)


def raw_positions(warehouse_path: Path) -> dict[str, int]:
    """Per kind of file, the last arrival_seq in raw.submissions (empty before the first run).
    Raises duckdb.IOException while a run holds the warehouse for writing."""
    if not warehouse_path.exists():
        return {}
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        exists = connection.execute(
            "select 1 from information_schema.tables where table_schema = 'raw' and table_name = 'submissions'"
        ).fetchall()
        if not exists:
            return {}
        rows = connection.execute("select kind, max(arrival_seq) from raw.submissions group by kind").fetchall()
    return {kind: int(seq) for kind, seq in rows}


@dataclass(frozen=True)
class BuildPlan:
    full: bool  # build everything (else refresh `kinds`; no kinds means intake only)
    reason: str
    kinds: frozenset[str] = frozenset()


def plan_build(settings: Settings, waiting_kinds: Iterable[str], full: bool = False) -> BuildPlan:
    """What to build now: everything when the warehouse's relations cannot be trusted (no
    record of a successful full dbt build, or the dbt project or seeds changed since),
    otherwise a refresh for the kinds of file waiting or ingested but not yet built (none:
    intake only)."""
    if full:
        return BuildPlan(True, "a full build was asked for")
    state = read_build_state(settings)
    if not settings.warehouse_path.exists() or state is None or state.fingerprint is None:
        return BuildPlan(True, "no record of a complete dbt build of this warehouse")
    if state.fingerprint != dbt_project_fingerprint():
        return BuildPlan(True, "the dbt project or seeds changed since the last full build")
    try:
        positions, busy = raw_positions(settings.warehouse_path), ""
    except duckdb.IOException:  # a run holds the file: it builds what it ingested itself
        positions, busy = {}, " (warehouse busy: ingested-but-unbuilt rows not checked)"
    unbuilt = {kind for kind, seq in positions.items() if kind in FILE_KINDS and seq > state.built_through.get(kind, 0)}
    kinds = frozenset(unbuilt | set(waiting_kinds))
    if not kinds:
        return BuildPlan(False, "nothing new: no file waiting and every submission is built" + busy)
    parts = [f"{', '.join(sorted(set(waiting_kinds)))} file(s) waiting"] if waiting_kinds else []
    if unbuilt:
        parts.append(f"{', '.join(sorted(unbuilt))} submission(s) ingested but not built yet")
    return BuildPlan(False, "; ".join(parts) + busy, kinds)
