"""What the warehouse's dbt relations were built from, and what a run must rebuild.

After every successful dbt build the pipeline records, next to the warehouse
(`dbt_build_state.json`; dbt's own target folder for this warehouse is `dbt_target/`):
- `fingerprint`: a hash of the dbt project's files and seeds, updated by full builds only;
- `built_through`: per kind of file, the last raw.submissions.arrival_seq the models have
  seen (the raw tables are append-only, so later rows are not in the models yet).
The record moves on only when dbt succeeds: after a failed or killed build the next run
rebuilds what that run had ingested (and everything if the project had changed).
`plan_build` turns the record and what is waiting into a plan naming the Dagster job to
run: the full build, the refresh after the kinds of file that are new, or intake alone.
The CLI runner, the sensors and the schedule all ask it; `defs/jobs.py` defines the jobs
under the names given here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cj_pipeline.lib.core.atomic import write_json_atomic
from cj_pipeline.lib.core.db import connect
from cj_pipeline.lib.core.kinds import FILE_KINDS, PARTNER, RETURN
from cj_pipeline.lib.warehouse.dbt_parse import PARSE_FILE, seed_partial_parse
from cj_pipeline.settings import DBT_PROJECT_DIR, SEEDS_DIR, Settings

# The jobs a plan can name (defined in defs/jobs.py). `build_warehouse` builds everything;
# a refresh ingests and rebuilds only what depends on the raw tables its kinds write;
# `intake_files` ingests and runs no dbt.
BUILD_JOB_NAME = "build_warehouse"
REFRESH_JOB_NAMES = {
    frozenset({RETURN}): "refresh_after_returns",
    frozenset({PARTNER}): "refresh_after_partners",
    frozenset({RETURN, PARTNER}): "refresh_after_intake",
}
INTAKE_JOB_NAME = "intake_files"

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


def dbt_output_log(settings: Settings) -> Path:
    """dbt's per-node progress lines of every build of this warehouse (appended)."""
    return dbt_target_path(settings) / "dbt_output.log"


def read_build_state(settings: Settings) -> BuildState | None:
    try:
        data = json.loads(state_path(settings).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return BuildState(data.get("fingerprint"), {k: int(v) for k, v in data.get("built_through", {}).items()})


def write_build_state(settings: Settings, state: BuildState) -> None:
    write_json_atomic(state_path(settings), {"fingerprint": state.fingerprint, "built_through": state.built_through})


@dataclass(frozen=True)
class BuildStart:
    """What a dbt build starts from: the record of the last one and the project as it is now."""

    previous: BuildState | None
    fingerprint: str  # of the project this build parses
    target: Path  # this warehouse's dbt target folder
    seeded_parse: bool  # the project's prepared parse was copied in (no full parse)


def start_build(settings: Settings, prepared_target: Path = DBT_PROJECT_DIR / "target") -> BuildStart:
    """Before dbt runs. One dbt target folder per warehouse: dbt's partial parse file stays
    valid between runs (the profile holds the warehouse path, so the project's shared target/
    would be re-parsed for every data dir). After a change to the project, parse afresh; with
    no parse file of its own yet, start from the project's prepared parse (dbt_parse.py)."""
    target = dbt_target_path(settings)
    previous = read_build_state(settings)
    fingerprint = dbt_project_fingerprint()
    if previous is None or previous.fingerprint != fingerprint:
        (target / PARSE_FILE).unlink(missing_ok=True)
    seeded = seed_partial_parse(prepared_target, target, settings.warehouse_path)
    return BuildStart(previous, fingerprint, target, seeded)


def finish_build(
    settings: Settings, start: BuildStart, full: bool, covered: Iterable[str], positions: dict[str, int]
) -> BuildState | None:
    """After dbt succeeded, move the record on: a full build vouches for the project it parsed,
    and each kind of file whose every relation was rebuilt is built through `positions` (read
    before dbt started). Called only on success: a failed or killed build leaves the record as
    it was, so what the run ingested is still beyond `built_through` (the next run rebuilds
    it), a changed project still differs from the fingerprint (the next run builds all), and
    any other relation dbt replaced was rebuilt from the same rows. Returns the record written."""
    previous = start.previous
    state = BuildState(start.fingerprint, dict(previous.built_through if previous else {})) if full else previous
    if state is None:  # a subset never vouches for a warehouse without a full build
        return None
    for kind in covered:
        state.built_through[kind] = positions.get(kind, 0)
    write_build_state(settings, state)
    return state


def raw_positions(warehouse_path: Path) -> dict[str, int]:
    """Per kind of file, the last arrival_seq in raw.submissions (empty before the first run).
    Raises duckdb.IOException while a run holds the warehouse for writing."""
    if not warehouse_path.exists():
        return {}
    with connect(warehouse_path, read_only=True) as connection:
        exists = connection.execute(
            "select 1 from information_schema.tables where table_schema = 'raw' and table_name = 'submissions'"
        ).fetchall()
        if not exists:
            return {}
        rows = connection.execute("select kind, max(arrival_seq) from raw.submissions group by kind").fetchall()
    return {kind: int(seq) for kind, seq in rows}


@dataclass(frozen=True)
class BuildPlan:
    job_name: str
    reason: str
    kinds: frozenset[str] = frozenset()  # the kinds of file a refresh rebuilds after

    @property
    def full(self) -> bool:
        return self.job_name == BUILD_JOB_NAME


def refresh_job_name(kinds: Iterable[str]) -> str:
    """The job that refreshes the warehouse after these kinds of file (intake only if none)."""
    kinds = frozenset(kinds)
    return REFRESH_JOB_NAMES[kinds] if kinds else INTAKE_JOB_NAME


def plan_build(
    settings: Settings, waiting: Iterable[str], full: bool = False, read_warehouse: bool = True
) -> BuildPlan:
    """The job to run now, and why: the full build when the warehouse's relations cannot be
    trusted (no record of a successful full dbt build, or the dbt project or seeds changed
    since) or when `full`; otherwise the refresh for the kinds of file `waiting` (what the
    caller saw in raw/: intake/stable_files.waiting_kinds) or ingested but not yet built;
    otherwise intake alone. `read_warehouse=False` (a run is about to write it) plans as if
    the warehouse were busy, without opening it."""
    if full:
        return BuildPlan(BUILD_JOB_NAME, "a full build was asked for")
    state = read_build_state(settings)
    if not settings.warehouse_path.exists() or state is None or state.fingerprint is None:
        return BuildPlan(BUILD_JOB_NAME, "no record of a complete dbt build of this warehouse")
    if state.fingerprint != dbt_project_fingerprint():
        return BuildPlan(BUILD_JOB_NAME, "the dbt project or seeds changed since the last full build")
    waiting = set(waiting)
    positions, busy = {}, " (warehouse busy: ingested-but-unbuilt rows not checked)"
    if read_warehouse:
        try:
            positions, busy = raw_positions(settings.warehouse_path), ""
        except duckdb.IOException:  # a run holds the file: it builds what it ingested itself
            pass
    unbuilt = {kind for kind, seq in positions.items() if kind in FILE_KINDS and seq > state.built_through.get(kind, 0)}
    kinds = frozenset(unbuilt | waiting)
    if not kinds:
        return BuildPlan(INTAKE_JOB_NAME, "nothing new: no file waiting and every submission is built" + busy)
    parts = [f"{', '.join(sorted(waiting))} file(s) waiting"] if waiting else []
    if unbuilt:
        parts.append(f"{', '.join(sorted(unbuilt))} submission(s) ingested but not built yet")
    return BuildPlan(refresh_job_name(kinds), "; ".join(parts) + busy, kinds)
