"""Benchmark: cold full run by stage, against bare DuckDB SQL over the same rows.

Not a timed test: run with `make bench`; writes bench/results.md. Every figure
is reported with a ratio against a baseline measured in the same run:
- full run (Dagster job: intake + dbt build with tests) vs the floor, i.e. the
  same models' compiled SQL executed directly in DuckDB over the parsed raw rows;
- one resubmission -> marts refreshed: a corrected return after the cold run, rebuilt in
  full (`run_build(full=True)`, the old behaviour) and then selectively (`run_build`: only
  what depends on returns), with dbt node, asset and check counts; `--resubmission-only`
  runs just that part (cold run, then the two resubmissions).
bench/bench_intake.py adds validation vs openpyxl, drop -> receipt latency and growth of intake;
bench/bench_growth.py the whole run at 1x, 4x and 16x the returns, with its fixed costs named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from run_timing import dbt_nodes, ensure_dagster_home, load_average, machine, stages

from cj_pipeline.lib.demo.sample_data import generate_sample_data
from cj_pipeline.runner import run_build
from cj_pipeline.settings import DBT_PROJECT_DIR, get_settings


def _compiled_models(warehouse: Path) -> list[tuple[str, str, str, str]]:
    """(schema, name, materialisation, compiled SQL) of every model, in dependency order."""
    env = {**os.environ, "CJ_WAREHOUSE_PATH": str(warehouse)}
    target = Path(tempfile.mkdtemp()) / "target"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    ordered, seen = [], set()

    def visit(key):
        if key in seen or key not in nodes:
            return
        seen.add(key)
        for parent in nodes[key]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(key)

    for key in sorted(nodes):
        visit(key)
    shutil.rmtree(target.parent, ignore_errors=True)
    return [
        (nodes[k]["schema"], nodes[k]["name"], nodes[k]["config"]["materialized"], nodes[k]["compiled_code"])
        for k in ordered
    ]


def _floor_seconds(warehouse: Path, models) -> float:
    """Run the models' SQL straight in DuckDB on a copy of the built warehouse."""
    copy = warehouse.with_name("floor.duckdb")
    shutil.copy(warehouse, copy)
    with duckdb.connect() as connection:
        # The compiled SQL names the database "cj" (the warehouse file's stem).
        connection.execute(f"attach '{copy}' as {warehouse.stem}")
        connection.execute(f"use {warehouse.stem}")
        started = time.perf_counter()
        for schema, name, materialized, sql in models:
            kind = "view" if materialized == "view" else "table"
            connection.execute(f"create or replace {kind} {schema}.{name} as {sql}")
        return time.perf_counter() - started


def _node_counts(result) -> dict[str, int]:
    """Assets materialised and asset checks evaluated by a run (dbt models, tests and the rest)."""
    kinds = [event.event_type_value for event in result.all_events]
    return {"assets": kinds.count("ASSET_MATERIALIZATION"), "checks": kinds.count("ASSET_CHECK_EVALUATION")}


def _correct_one_return(settings, truth, name: str, numerator: int) -> None:
    from cj_pipeline.lib.returns.template import write_template

    area, year = truth.area_codes[0], truth.years[-2]
    original = truth.returns[(area, year)]
    measures = dict(original.measures)
    measures["LM6.1"] = (numerator, 44, "Corrected: admissions recounted")
    write_template(
        settings.uploads_dir / area / name, area, year, type(original)(**{**original.__dict__, "measures": measures})
    )


def _resubmission(settings, truth, full: bool, name: str, numerator: int) -> dict:
    """(e) One corrected return arrives after the cold run: time run_build until the marts are
    refreshed (intake of the one file + dbt). `full=False` is what `cj-pipeline run` does
    (only what depends on returns); `full=True` is the previous behaviour (everything)."""
    _correct_one_return(settings, truth, name, numerator)
    started = time.perf_counter()
    result = run_build(settings, log_level="ERROR", full=full)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "ok": result.success,
        "job": result.dagster_run.job_name,
        "dbt_nodes": dbt_nodes(settings),
        **_node_counts(result),
    }


def _nothing_new_seconds(settings) -> tuple[float, str]:
    started = time.perf_counter()
    result = run_build(settings, log_level="ERROR")
    return time.perf_counter() - started, result.dagster_run.job_name


def _cli_resubmission_seconds(settings, truth) -> tuple[float, bool]:
    """The same selective refresh as the data team starts it by hand: a new `cj-pipeline run`
    process, which imports Dagster, dagster-dbt and dbt before its run starts (run_build
    above runs in this process, where they are imported already)."""
    _correct_one_return(settings, truth, "corrected_by_cli.xlsx", 13)
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cj-pipeline")), "run", "--data-dir", str(settings.data_dir)],
        capture_output=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    return time.perf_counter() - started, done.returncode == 0


def resubmission_lines(settings, truth, cold_dbt_nodes: int, cold_counts: dict, floor: float) -> list[str]:
    """The resubmission rows: the full rebuild (before) and the selective refresh (after), in
    this process and as a new CLI process."""
    before = _resubmission(settings, truth, full=True, name="corrected.xlsx", numerator=11)
    after = _resubmission(settings, truth, full=False, name="corrected_again.xlsx", numerator=12)
    idle, idle_job = _nothing_new_seconds(settings)
    cli, cli_ok = _cli_resubmission_seconds(settings, truth)
    return [
        "",
        "## (e) One resubmission -> marts refreshed (full rebuild before, selective refresh after)",
        "",
        "| run | job | seconds | ratio to floor | dbt nodes | assets materialised | checks run |",
        "|---|---|---:|---:|---:|---:|---:|",
        f"| cold full run (for scale) | build_warehouse | - | - | {cold_dbt_nodes} | {cold_counts['assets']} | "
        f"{cold_counts['checks']} |",
        f"| before: full rebuild (`run_build(full=True)`, ok={before['ok']}) | {before['job']} | "
        f"{before['seconds']:.2f} | {before['seconds'] / floor:.1f} | {before['dbt_nodes']} | {before['assets']} | "
        f"{before['checks']} |",
        f"| after: selective refresh (`run_build`, ok={after['ok']}) | {after['job']} | {after['seconds']:.2f} | "
        f"{after['seconds'] / floor:.1f} | {after['dbt_nodes']} | {after['assets']} | {after['checks']} |",
        f"| nothing new (`run_build`) | {idle_job} | {idle:.2f} | {idle / floor:.1f} | 0 | - | - |",
        f"| selective refresh as a new `cj-pipeline run` process (ok={cli_ok}) | refresh_after_returns | "
        f"{cli:.2f} | {cli / floor:.1f} | - | - | - |",
        "",
        f"Selective / full: {after['seconds'] / before['seconds']:.2f} of the time, "
        f"{after['dbt_nodes']} of {before['dbt_nodes']} dbt nodes.",
        "",
    ]


def resubmission_only() -> None:
    """Just section (e): a cold build, then the two resubmissions (floor: not measured)."""
    root = Path(tempfile.mkdtemp(prefix="cj-bench-"))
    truth = generate_sample_data(root)
    settings = get_settings(root)
    started = time.perf_counter()
    result = run_build(settings, log_level="ERROR")
    print(f"cold full run: {time.perf_counter() - started:.2f} s, ok={result.success}")
    lines = resubmission_lines(settings, truth, dbt_nodes(settings), _node_counts(result), floor=float("nan"))
    print("\n".join(lines))
    shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ensure_dagster_home()
    if "--resubmission-only" in sys.argv:
        resubmission_only()
        return
    root = Path(tempfile.mkdtemp(prefix="cj-bench-"))
    truth = generate_sample_data(root)
    settings = get_settings(root)
    started = time.perf_counter()
    result = run_build(settings, log_level="ERROR")
    wall = time.perf_counter() - started
    split = stages(result, wall)
    floor = _floor_seconds(settings.warehouse_path, _compiled_models(settings.warehouse_path))
    intake, dbt, other, overhead = split.intake, split.dbt, split.other, split.overhead
    cold_dbt_nodes, cold_counts = dbt_nodes(settings), _node_counts(result)
    resubmission = resubmission_lines(settings, truth, cold_dbt_nodes, cold_counts, floor)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}, "
        f"load average at the end {load_average()} (other jobs shared the machine: absolute times are inflated, "
        "ratios against baselines measured in the same run are the figures to compare).",
        f"Data: 32 areas x 8 years, every partner source, {len(list(settings.uploads_dir.rglob('*.xlsx')))} returns",
        "",
        "## (b) Cold full run by stage vs the floor",
        "",
        f"Run succeeded: {result.success} (a failing blocking check stops later steps; stage times still count).",
        "",
        "| measure | seconds | ratio to floor |",
        "|---|---:|---:|",
        f"| floor: same models as bare DuckDB SQL | {floor:.2f} | 1.0 |",
        f"| cold full run (wall) | {wall:.2f} | {wall / floor:.1f} |",
        f"| - intake step | {intake:.2f} | {intake / floor:.1f} |",
        f"| - dbt build step (models + tests) | {dbt:.2f} | {dbt / floor:.1f} |",
        f"| - other steps (checks, publication, year status) | {other:.2f} | {other / floor:.1f} |",
        f"| - Dagster overhead (wall - steps) | {overhead:.2f} | {overhead / floor:.1f} |",
        *resubmission,
    ]
    out = Path(__file__).with_name("results.md")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
