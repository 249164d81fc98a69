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
import os
import shutil
import time
import uuid
from pathlib import Path

import polars as pl

from cj_pipeline.lib.core.db import connect, fetch_dicts
from cj_pipeline.lib.publish import control, snapshot
from cj_pipeline.lib.publish.atomic import exchange_dirs, fsync_dir, fsync_tree, write_json_atomic
from cj_pipeline.lib.publish.packs import write_packs
from cj_pipeline.lib.publish.safety import safe_cell_text
from cj_pipeline.lib.publish.workbook import Column, Table, write_workbook
from cj_pipeline.settings import Settings

TEXT_COLUMNS = (
    "assessment",
    "actions_taken",
    "progress",
    "local_outcome",
    "metric",
    "commentary",
    "value_text",
    "unit",
    "missing_items",
    "outcome_name",
)


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
    decision = control.decide(raw["values"], catalogue, areas, groups, primary_only=primary_only)
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
        pl.col(c).map_elements(safe_cell_text, return_dtype=pl.String)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    return frame.with_columns(exprs) if exprs else frame


INTENT = ".publish-intent.json"


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "release.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _restore_old(published_dir: Path) -> None:
    """Undo a kill between the two fallback renames: put a lone .old back as the release."""
    for old in sorted(published_dir.glob(".*.old")):
        year = old.name[1:].split(".")[0]
        if not (published_dir / year).exists():
            os.rename(old, published_dir / year)


def recover(published_dir: Path) -> dict:
    """Finish or undo a publish that was killed; remove its leftovers. Returns what it did."""
    done: dict = {}
    intent_path = published_dir / INTENT
    intent = None
    if intent_path.exists():
        try:
            intent = json.loads(intent_path.read_text(encoding="utf-8"))
        except ValueError:
            intent = None  # cannot happen (written atomically); treated as no intent
    if intent:
        target = published_dir / intent["financial_year"]
        # The snapshot version is unique to one attempt (a release id could be reused).
        if _manifest(target).get("snapshot_version") == intent["snapshot_version"]:
            version = intent["snapshot_version"]
            if snapshot.current_version(published_dir) != version and snapshot.read_stamp(
                snapshot.versions_dir(published_dir) / version
            ):
                snapshot.activate_snapshot(published_dir, version)
            done["rolled_forward"] = intent["release_id"]
        else:
            _restore_old(published_dir)
            shutil.rmtree(snapshot.versions_dir(published_dir) / intent["snapshot_version"], ignore_errors=True)
            done["rolled_back"] = intent["release_id"]
    _restore_old(published_dir)
    leftovers = [*published_dir.glob(".*.old"), *published_dir.glob(".*.tmp"), *published_dir.glob(".*.lnk")]
    for path in leftovers:
        _remove(path)
    snapshot.migrate_legacy(published_dir)  # also relinks a missing snapshot link
    current = snapshot.current_version(published_dir)
    root = snapshot.versions_dir(published_dir)
    if root.exists():  # temporary or never-activated (newer than current) versions
        now = (snapshot.read_stamp(root / current) or {}).get("created_at", 0.0) if current else 0.0
        for path in root.glob("*"):
            stamp = snapshot.read_stamp(path)
            if path.name != current and (stamp is None or stamp.get("created_at", 0.0) > now):
                shutil.rmtree(path, ignore_errors=True)
                leftovers.append(path)
    intent_path.unlink(missing_ok=True)
    done["removed"] = len(leftovers)
    return done


def _commit(published_dir: Path, tmp: Path, target: Path) -> None:
    """published/<FY> becomes tmp's contents; the old release ends up in tmp or .old."""
    if target.exists() and exchange_dirs(tmp, target):
        fsync_dir(published_dir)
        return
    old = tmp.with_name(tmp.name[: -len(".tmp")] + ".old")
    if target.exists():
        os.rename(target, old)  # a kill now leaves no target: recover() restores .old
    os.rename(tmp, target)
    fsync_dir(published_dir)


def _notes_markdown(year: str, notes: dict, policy: control.Policy, timings: dict) -> str:
    lines = [
        f"# Release notes: community justice indicators {year}",
        "",
        f"- Release id: {notes.get('release_id')}",
        f"- Published at: {notes.get('published_at')}",
        f"- Published by: {notes.get('published_by')}",
        "",
    ]
    if notes.get("override_reason") or notes.get("overridden_checks"):
        lines += [
            "## Quality gate override",
            "",
            f"Reason: {notes.get('override_reason') or '(none given)'}",
            "",
            "Overridden checks:",
            *[f"- {c}" for c in notes.get("overridden_checks") or []],
            "",
        ]
    warnings = notes.get("warnings") or []
    lines += ["## Warnings", ""] + ([f"- {w.get('check')}: {w.get('summary')}" for w in warnings] or ["- none"]) + [""]
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


def build_release(settings: Settings, year: str, release_notes: dict) -> Path:
    started = time.perf_counter()
    published_dir = settings.published_dir
    published_dir.mkdir(parents=True, exist_ok=True)
    recover(published_dir)
    policy = control.load_policy()
    raw = load(settings, year)
    tables, decision = controlled_tables(raw, policy)
    release_id = str(release_notes.get("release_id"))
    token = uuid.uuid4().hex[:12]
    tmp = published_dir / f".{year}.{token}.tmp"
    target = published_dir / year
    tmp.mkdir()
    version = None
    try:
        timings = {}
        data_dir = tmp / "data"
        data_dir.mkdir()
        for name in ("indicator_values", "indicator_trends", "benchmark"):
            frame = tables[name]
            _neutralise(frame).write_csv(data_dir / f"{name}.csv")
            frame.write_parquet(data_dir / f"{name}.parquet")
        t = time.perf_counter()
        _write_xlsx(tmp / f"community_justice_indicators_{year}.xlsx", year, release_notes, policy, tables, raw)
        timings["xlsx_seconds"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        areas = [(a["area_code"], a["area_name"]) for a in raw["areas"] if not a["is_scotland"]]
        names = {i["indicator_id"]: i["description"] for i in raw["indicators"]}
        write_packs(tmp / "packs", year, release_id, tables, areas, names, raw["lineage"])
        timings["packs_seconds"] = round(time.perf_counter() - t, 2)
        (tmp / "release_notes.md").write_text(_notes_markdown(year, release_notes, policy, timings), encoding="utf-8")
        t = time.perf_counter()
        version = snapshot.prepare_snapshot(settings.warehouse_path, published_dir, tables, release_id, year)
        timings["snapshot_seconds"] = round(time.perf_counter() - t, 2)
        manifest = {
            "financial_year": year,
            **{
                k: release_notes.get(k)
                for k in (
                    "release_id",
                    "published_at",
                    "published_by",
                    "override_reason",
                    "overridden_checks",
                    "warnings",
                )
            },
            "files": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()),
            "snapshot_version": version,
            "suppressed_cells": len(decision.suppressed),
            "timings": timings,
        }
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
    _commit(published_dir, tmp, target)  # the commit point: from here on, roll forward
    previous = snapshot.activate_snapshot(published_dir, version)
    for leftover in (tmp, tmp.with_name(tmp.name[: -len(".tmp")] + ".old")):
        shutil.rmtree(leftover, ignore_errors=True)
    snapshot.clean_versions(published_dir, {version, previous})
    (published_dir / INTENT).unlink(missing_ok=True)
    timings["total_seconds"] = round(time.perf_counter() - started, 2)
    return target


def _write_xlsx(
    path: Path, year: str, notes: dict, policy: control.Policy, tables: dict[str, pl.DataFrame], raw: dict
) -> None:
    cover = [
        ("title", f"Community justice national indicators, Scotland and the 32 local authority areas, {year}"),
        (
            "What this is",
            "National indicators for community justice (Community Justice (Scotland) Act 2016, sections 23 and 27): "
            "values for each area and Scotland, trends, benchmarks, evidence completeness and the areas' own assessments.",
        ),
        ("Release", str(notes.get("release_id"))),
        ("Published", f"{notes.get('published_at')} by {notes.get('published_by')}"),
        ("Years covered", f"{raw['years'][0] if raw['years'] else year} to {year} (financial years, April to March)"),
        (
            "Disclosure control",
            "Small counts and figures that would reveal them are shown as [c]. See the Notes sheet.",
        ),
        ("Contact", "Community Justice Scotland data team"),
    ]
    if notes.get("override_reason"):
        cover.append(
            (
                "Quality gate override",
                f"{notes.get('override_reason')} (checks: {', '.join(notes.get('overridden_checks') or [])})",
            )
        )
    notes_rows = [
        ("[c]", "Confidential: suppressed to protect individuals (small count, or a figure that would reveal one)."),
        ("[x]", "Not available."),
        ("[z]", "Not applicable."),
        ("[p]", "Provisional."),
        ("[r]", "Revised."),
        ("[u]", "Low reliability (e.g. a total missing some areas)."),
        ("[b]", "Break in series."),
        (
            "Disclosure control",
            f"Counts {policy.small_count_min}-{policy.small_count_max} are [c]; secondary suppression so that "
            "Scotland, comparator group and HL disposal totals cannot reveal them; ratios with a suppressed numerator or denominator are [c].",
        ),
        *[
            (f"Small bases ({u})", f"A {u} whose denominator is below {v:g} is [c].")
            for u, v in policy.min_denominator.items()
        ],
        (
            "Rounding",
            "Counts are whole numbers; percentages (0-100) and rates per 10,000 are rounded to 1 decimal place. Rounded figures may not sum to totals.",
        ),
        ("Attrition", "Attrition ratios are approximations: cases cross financial years, so a ratio can exceed 100%."),
        ("Pandemic", "2020-21 and 2021-22 were affected by COVID-19; treat change in those years with care."),
        (
            "Scotland",
            "Scotland counts are totals; Scotland percentages are summed numerators over summed denominators.",
        ),
    ]
    for warning in notes.get("warnings") or []:
        notes_rows.append((f"Warning: {warning.get('check')}", str(warning.get("summary"))))

    def num(header, key, marker_key):
        return Column(header, key, marker_key, numeric=True)

    value_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Unit", "unit"),
        num("Value (count, % or rate per 10,000: see Unit)", "value", "marker"),
        Column("Marker", "marker", "marker_blank"),
        num("Numerator (count)", "numerator", "numerator_marker"),
        num("Denominator (count or population)", "denominator", "denominator_marker"),
    ]
    trend_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Unit", "unit"),
        num("Value (see Unit)", "value", "marker"),
        num("Change on previous year (see Unit)", "change_on_previous_year", "change_on_previous_year_marker"),
        num("Change on previous year (%)", "change_on_previous_year_pct", "change_on_previous_year_pct_marker"),
        num("Change since start of series (see Unit)", "change_since_start", "change_since_start_marker"),
        num("3-year rolling mean (see Unit)", "rolling_mean_3yr", "rolling_mean_3yr_marker"),
        Column("Direction", "direction", "direction_marker"),
        Column("Pandemic year", "pandemic_year"),
    ]
    bench_cols = [
        Column("Area code", "area_code"),
        Column("Area name", "area_name"),
        Column("Financial year", "financial_year"),
        Column("Indicator", "indicator_id"),
        Column("Comparator group", "comparator_group"),
        num("Value (see dim Unit)", "value", "marker"),
        num("Scotland value", "scotland_value", "scotland_marker"),
        num("Comparator group value", "group_value", "group_marker"),
        num("Difference from Scotland", "difference_from_scotland", "difference_from_scotland_marker"),
        num("Rank in Scotland (1 = best)", "rank_in_scotland", "rank_marker"),
    ]
    comp_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Return status", "return_status"),
        num("Items expected (count)", "items_expected", None),
        num("Items complete (count)", "items_complete", None),
        Column("Missing items", "missing_items", "none_marker"),
        Column("Ready to publish", "ready_to_publish"),
    ]
    assess_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Outcome", "outcome_id"),
        Column("Outcome name", "outcome_name", "x"),
        Column("Assessment", "assessment", "x"),
        Column("Actions taken", "actions_taken", "x"),
        Column("Progress", "progress", "x"),
    ]
    local_cols = [
        Column("Area code", "area_code"),
        Column("Financial year", "financial_year"),
        Column("Type", "outcome_type", "x"),
        Column("Local outcome", "local_outcome", "x"),
        Column("Metric", "metric", "x"),
        num("Value (see Unit)", "value", "marker"),
        Column("Unit", "unit", "x"),
        Column("Commentary", "commentary", "x"),
    ]
    ind_cols = [
        Column("Indicator", "indicator_id"),
        Column("Outcome", "outcome_id"),
        Column("Description", "description"),
        Column("Unit", "unit"),
        Column("Polarity", "polarity"),
        Column("Source", "source", "x"),
    ]

    def rows(name):
        out = tables[name].to_dicts()
        for r in out:
            r.setdefault("marker_blank", "none")
            r["none_marker"] = "none"
            r["x"] = "[x]"
            if r.get("marker") is None and "marker" in r:
                r["marker"] = None
        return out

    values = rows("indicator_values")
    for r in values:
        r["marker_blank"] = "none"
    bench = rows("benchmark")
    for r in bench:
        r["rank_marker"] = "[c]" if r.get("marker") == "[c]" else "[z]"
    trends = rows("indicator_trends")
    for r in trends:
        r["direction_marker"] = "[x]"
        if isinstance(r.get("pandemic_year"), bool):
            pass
    current = [r for r in values if r["financial_year"] == year]
    tables_out = [
        Table(
            "Values_latest",
            f"Table 1: indicator values, {year}",
            "One row per area (and Scotland) and indicator. Disclosure controlled and rounded.",
            value_cols,
            current,
        ),
        Table(
            "Values_series",
            "Table 2: indicator values, all years",
            "Every year of the series up to this release.",
            value_cols,
            values,
        ),
        Table(
            "Trends",
            "Table 3: trends",
            "Change on previous year and since the start of the series, 3-year rolling mean, direction; pandemic years flagged.",
            trend_cols,
            trends,
        ),
        Table(
            "Benchmark",
            "Table 4: areas against Scotland and comparator groups",
            "Comparator groups are our approximation of LGBF family groups.",
            bench_cols,
            [r for r in bench if r["financial_year"] == year],
        ),
        Table(
            "Completeness",
            f"Table 5: evidence completeness, {year}",
            "Local supporting evidence returned by each area.",
            comp_cols,
            tables["evidence_completeness"].to_dicts()
            and [dict(r, none_marker="none") for r in tables["evidence_completeness"].to_dicts()],
        ),
        Table(
            "Assessments",
            f"Table 6: section 23 outcome assessments, {year}",
            "Text as written by the areas.",
            assess_cols,
            [dict(r, x="[x]") for r in tables["outcome_assessments"].to_dicts()],
        ),
        Table(
            "Local_outcomes",
            f"Table 7: local outcomes and balancing measures, {year}",
            "Text as written by the areas; small counts [c].",
            local_cols,
            [dict(r, x="[x]") for r in tables["local_outcomes"].to_dicts()],
        ),
        Table(
            "Indicators",
            "Table 8: indicator definitions",
            "The national indicator framework (Appendix One of the 2024 guidance).",
            ind_cols,
            [dict(r, x="[x]") for r in raw["indicators"]],
        ),
    ]
    write_workbook(path, cover, notes_rows, tables_out)
