"""Build one release: read the warehouse, control, write everything, swap in atomically.

A publish is a small two-step commit, safe against SIGKILL at any point:

1. Prepare, invisible to readers: the release is written into published/.<FY>.<token>.tmp
   (release.json, written last, lists every file) and the analytics snapshot into a new
   version folder published/.snapshots/<version>/ (snapshot.py). Then the intent
   published/.publish-intent.json (year, release id, token, snapshot version) is written
   atomically.
2. Commit: the tmp folder and published/<FY> are exchanged in one step (Linux renameat2
   RENAME_EXCHANGE; elsewhere, or on a file system without it, two renames through
   published/.<FY>.<token>.old). This is the commit point.
3. Finish: published/snapshot is switched to the new version (one symlink rename), the
   old release and old snapshot versions are removed, the intent is deleted.

Recovery (`recover`, at the start of every publish) reads the intent: if published/<FY>
already holds the intended release id, the publish is rolled forward (snapshot switched,
leftovers removed); otherwise it is rolled back (an .old folder left between the two
fallback renames is restored, the tmp folder and the prepared snapshot version removed).
So published/<FY> is always the old release or the new one, the snapshot is wholly one
version, and a kill between the folder swap and the snapshot switch (the snapshot one
release behind the folder) is repaired by the next publish before it starts.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from cj_pipeline.lib.core.atomic import fsync_tree, write_json_atomic
from cj_pipeline.lib.core.db import connect, fetch_dicts
from cj_pipeline.lib.core.helper_process import Worker
from cj_pipeline.lib.publish import control, snapshot
from cj_pipeline.lib.publish.commit import INTENT, commit_release, recover
from cj_pipeline.lib.publish.compare import write_compare
from cj_pipeline.lib.publish.pack_inputs import local_evidence
from cj_pipeline.lib.publish.packs import write_packs
from cj_pipeline.lib.publish.safety import md, safe_cell_text
from cj_pipeline.lib.publish.unpublishable import Unpublishable, too_long
from cj_pipeline.settings import Settings


def load(settings: Settings, year: str) -> dict[str, list[dict]]:
    with connect(settings.warehouse_path, read_only=True) as con:
        where = "where financial_year <= ?"
        return {
            "values": fetch_dicts(
                con,
                f"select * from marts.fct_indicator_values {where} order by area_code, indicator_id, financial_year",
                (year,),
            ),
            "trends": fetch_dicts(
                con,
                f"select * from marts.fct_indicator_trends {where} order by area_code, indicator_id, financial_year",
                (year,),
            ),
            "benchmark": fetch_dicts(
                con,
                f"select * from marts.fct_benchmark {where} order by area_code, indicator_id, financial_year",
                (year,),
            ),
            "completeness": fetch_dicts(
                con,
                "select * from marts.fct_evidence_completeness where financial_year = ? order by area_code",
                (year,),
            ),
            "assessments": fetch_dicts(
                con,
                "select * from marts.fct_outcome_assessments where financial_year = ? order by area_code, outcome_id",
                (year,),
            ),
            "local": fetch_dicts(
                con,
                "select * from marts.fct_local_outcomes where financial_year = ? order by area_code, row_number",
                (year,),
            ),
            "areas": fetch_dicts(
                con, "select area_code, area_name, is_scotland from marts.dim_area order by area_name"
            ),
            "indicators": fetch_dicts(con, "select * from marts.dim_indicator order by indicator_id"),
            "submissions": fetch_dicts(con, "select submission_id, original_name from raw.submissions"),
            # The comparator groups the benchmark was built with (CJ_COMPARATOR_GROUPS at build time).
            "groups": fetch_dicts(con, "select area_code, comparator_group from marts.dim_comparator_group"),
            # Where each figure comes from (file, sheet, cell): cell references, never values.
            "lineage": fetch_dicts(
                con,
                "select area_code, indicator_id, input_role, measure, input_source, file_name, sha256, "
                "source_sheet, source_cell, received_at, supersedes_earlier, derivation "
                "from marts.fct_indicator_lineage where financial_year = ? "
                "order by area_code, indicator_id, input_role",
                (year,),
            ),
            "years": [
                r[0]
                for r in con.execute(
                    f"select distinct financial_year from marts.fct_indicator_values {where} order by 1", (year,)
                ).fetchall()
            ],
        }


def controlled_tables(raw: dict, policy: control.Policy | None = None, primary_only: bool = False):
    """The published (disclosure-controlled, rounded) tables and the decision behind them."""
    policy = policy or control.load_policy()
    catalogue = control.indicator_catalogue(raw["indicators"])
    areas = [a["area_code"] for a in raw["areas"] if not a["is_scotland"]]
    groups: dict[str, list[str]] = {}
    for row in raw["groups"]:
        groups.setdefault(row["comparator_group"], []).append(row["area_code"])
    groups_of = {a: g for g, members in groups.items() for a in members}
    decision = control.decide_suppression(raw["values"], catalogue, areas, groups, primary_only=primary_only)
    values = control.control_values(raw["values"], catalogue, decision, policy)
    trends = control.control_trends(raw["trends"], values, raw["years"], policy, catalogue)
    bench = control.control_benchmark(raw["benchmark"], values, decision, catalogue, groups_of, policy)
    local = []
    for row in raw["local"]:
        new = {k: v for k, v in row.items() if k not in ("submission_id", "source_sheet", "source_cell")}
        if control.disclosure.is_small_count(row["value"]):
            new["value"], new["marker"], new["value_text"] = None, control.SUPPRESSED, control.SUPPRESSED
        elif row["value"] is not None:
            new["value"] = policy.round(row["value"], "percent")
        local.append(new)
    assessments = [
        {k: v for k, v in r.items() if k not in ("submission_id", "source_sheet", "source_cell")}
        for r in raw["assessments"]
    ]
    tables = {
        "indicator_values": pl.DataFrame(values, infer_schema_length=None),
        "indicator_trends": pl.DataFrame(trends, infer_schema_length=None),
        "benchmark": pl.DataFrame(bench, infer_schema_length=None),
        "evidence_completeness": pl.DataFrame(raw["completeness"], infer_schema_length=None),
        "outcome_assessments": pl.DataFrame(assessments, infer_schema_length=None),
        "local_outcomes": pl.DataFrame(local, infer_schema_length=None),
    }
    return tables, decision


def _neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns for CSV: a leading = + - @ gets an apostrophe (safety.py)."""
    exprs = [
        pl.col(c).map_elements(lambda text: safe_cell_text(text, "csv"), return_dtype=pl.String)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    return frame.with_columns(exprs) if exprs else frame


def _notes_markdown(year: str, notes: dict, policy: control.Policy) -> str:
    lines = [
        f"# Release notes: community justice indicators {year}",
        "",
        f"- Release id: {md(notes.get('release_id'))}",
        f"- Published at: {md(notes.get('published_at'))}",
        f"- Published by: {md(notes.get('published_by'))}",
        "",
    ]
    if notes.get("override_reason") or notes.get("overridden_checks"):
        lines += [
            "## Quality gate override",
            "",
            f"Reason: {md(notes.get('override_reason') or '(none given)')}",
            "",
            "Overridden checks:",
            *[f"- {md(c)}" for c in notes.get("overridden_checks") or []],
            "",
        ]
    warnings = notes.get("warnings") or []
    lines += (
        ["## Warnings", ""]
        + ([f"- {md(w.get('check'))}: {md(w.get('summary'))}" for w in warnings] or ["- none"])
        + [""]
    )
    lines += [
        "## Disclosure control and rounding",
        "",
        f"- Counts from {policy.small_count_min} to {policy.small_count_max} are published as [c]; other cells are "
        "also suppressed where a total (Scotland, comparator group, HL disposal total) would reveal them.",
        "- A ratio whose numerator or denominator is suppressed is [c], with both hidden.",
        *[f"- A {u} with a denominator below {v:g} is [c]." for u, v in policy.min_denominator.items()],
        "- Counts are whole numbers; percentages and rates are rounded to 1 decimal place (half up) here only.",
        "",
        "## Markers",
        "",
        "[c] confidential, [x] not available, [z] not applicable, [p] provisional, "
        "[r] revised, [u] low reliability, [b] break in series.",
        "",
    ]
    return "\n".join(lines)


def _manifest(year: str, notes: dict, tmp: Path, version: str | None, suppressed: int, timings: dict) -> dict:
    keys = ("release_id", "published_at", "published_by", "override_reason", "overridden_checks", "warnings")
    return {
        "financial_year": year,
        **{k: notes.get(k) for k in keys},
        "files": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()),
        "snapshot_version": version,
        "suppressed_cells": suppressed,
        "timings": timings,
    }


def _write_outputs(settings, tmp: Path, year: str, notes: dict, policy, tables: dict, raw: dict, workbook: Worker):
    """Everything of the release into tmp, and the snapshot version prepared; (version, timings).

    Three things at once on the two cores: the workbook in its helper process, the snapshot in a
    thread (DuckDB works without the GIL) and the pages here. A failure removes the prepared
    snapshot version before it is raised."""
    timings: dict = {}
    data_dir = tmp / "data"
    data_dir.mkdir()
    for name, frame in tables.items():
        _neutralise(frame).write_csv(data_dir / f"{name}.csv")
        frame.write_parquet(data_dir / f"{name}.parquet")
    raw_needed = {k: raw[k] for k in ("areas", "indicators", "years")}
    workbook_job = {"path": tmp / f"community_justice_indicators_{year}.xlsx", "year": year, "notes": notes}
    workbook.send(workbook_job | {"policy": policy, "data_dir": data_dir, "raw": raw_needed})
    evidence = local_evidence(settings.warehouse_path, year)  # read before the snapshot attaches the warehouse
    release_id = str(notes.get("release_id"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(
            _timed, snapshot.prepare_snapshot, settings.warehouse_path, settings.published_dir, tables, release_id, year
        )
        try:
            t = time.perf_counter()
            write_packs(tmp / "packs", year, release_id, tables, raw, evidence)
            timings["packs_seconds"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            write_compare(tmp / "compare.html", year, release_id, tables, raw["indicators"], policy.decimals)
            timings["compare_seconds"] = round(time.perf_counter() - t, 2)
            (tmp / "release_notes.md").write_text(_notes_markdown(year, notes, policy), encoding="utf-8")
            version, timings["snapshot_seconds"] = prepared.result()
            t = time.perf_counter()
            timings["xlsx_seconds"] = float(workbook.wait())  # in the helper, alongside the steps above
            timings["xlsx_wait_seconds"] = round(time.perf_counter() - t, 2)
        except BaseException:
            if prepared.exception() is None:
                shutil.rmtree(snapshot.versions_dir(settings.published_dir) / prepared.result()[0], ignore_errors=True)
            raise
    return version, timings


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, round(time.perf_counter() - started, 2)


def build_release(settings: Settings, year: str, release_notes: dict) -> Path:
    # The spreadsheet is written by a helper process on the other core (lib/core/helper_process.py), started
    # first so that its imports overlap reading the warehouse.
    workbook = Worker("cj_pipeline.lib.publish.release_workbook")
    try:
        return _build_release(settings, year, release_notes, workbook)
    finally:
        workbook.stop()


def _build_release(settings: Settings, year: str, release_notes: dict, workbook: Worker) -> Path:
    started = time.perf_counter()
    published_dir = settings.published_dir
    published_dir.mkdir(parents=True, exist_ok=True)
    recover(published_dir)
    policy = control.load_policy()
    raw = load(settings, year)
    problems = too_long(raw, {s["submission_id"]: s["original_name"] for s in raw["submissions"]})
    if problems:
        raise Unpublishable(year, problems)
    tables, decision = controlled_tables(raw, policy)
    release_id = str(release_notes.get("release_id"))
    token = uuid.uuid4().hex[:12]
    tmp = published_dir / f".{year}.{token}.tmp"
    target = published_dir / year
    tmp.mkdir()
    version = None
    try:
        version, timings = _write_outputs(settings, tmp, year, release_notes, policy, tables, raw, workbook)
        manifest = _manifest(year, release_notes, tmp, version, len(decision.suppressed), timings)
        (tmp / "release.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        fsync_tree(tmp)
        write_json_atomic(
            published_dir / INTENT,
            {"financial_year": year, "release_id": release_id, "token": token, "snapshot_version": version},
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if version:
            shutil.rmtree(snapshot.versions_dir(published_dir) / version, ignore_errors=True)
        raise
    commit_release(published_dir, tmp, target)  # the commit point: from here on, roll forward
    previous = snapshot.activate_snapshot(published_dir, version)
    for leftover in (tmp, tmp.with_name(tmp.name[: -len(".tmp")] + ".old")):
        shutil.rmtree(leftover, ignore_errors=True)
    snapshot.clean_versions(published_dir, {version, previous})
    (published_dir / INTENT).unlink(missing_ok=True)
    timings["total_seconds"] = round(time.perf_counter() - started, 2)
    return target
