"""Benchmark: the full run (`run_build`) as the data grows, with its fixed costs named.

Not a timed test: `make bench` runs it; `python bench/bench_growth.py [--scales 1,4,16]`
from a fresh clone after `make demo` (no $DAGSTER_HOME needed); CJ_BENCH_OUT=file appends
the section to that file.

What grows. The seeds hold exactly the 32 council areas and the financial years that can be
reported, and intake rejects a return for any other area or year: synthetic areas or years
would only measure rejection. So the volume of accepted submissions grows instead: at scale
k every return of the sample (32 areas x 8 years, the 2 latest missing: 254) arrives k
times, the original and k - 1 corrected resubmissions, written with the sample generator's
own `write_template` into the area's folder raw/uploads/<GSS code>/, each with one measure
changed (so the bytes differ) and a later mtime (so it is a later version, not a
duplicate). Partner files stay as in the sample (1x). Files and raw return rows grow k-fold;
the warehouse keeps every version (int_returns_versioned) and the marts stay the same size.

How. Each scale runs in its own process (`--one K`), with a fresh data dir and a fresh
Dagster instance (the project's dagster.yaml): every scale pays the same first-use costs,
as every `cj-pipeline run` does. It times one cold `run_build` (job build_warehouse), with
its steps read back from the instance, then a second `run_build` with nothing new. A run
with no files at all (scale 0, the "empty run") names the fixed costs; the runner's own
parts (definitions load, lock and plan, the Dagster run, the run log) are timed by wrapping
them, bench-only, and dbt's own execution time comes from its run_results.json. Generating
the files is timed separately and is in no figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from run_timing import dbt_run_results, load_average, machine, scratch_dagster_home, stages, step_times

from cj_pipeline.settings import get_settings

SCALES = (1, 4, 16)
# The runner's own parts, timed by wrapping them (cj_pipeline.runner's names).
RUNNER_PARTS = ("instance", "build_defs", "recover_warehouse", "plan_build", "write_run_log")
EMPTY = 0  # the scale of the run with no files


def add_resubmissions(data_dir: Path, truth, scale: int) -> int:
    """Every return of the sample sent again scale - 1 times, corrected: the first of its
    measures changed (a later version, never a duplicate), in raw/uploads/<GSS code>/, each
    round of resubmissions after the one before (mtime)."""
    from cj_pipeline.lib.returns.template import write_template

    uploads = Path(data_dir) / "raw" / "uploads"
    last = max(path.stat().st_mtime for path in truth.return_files)
    written = 0
    for ((area, year), content), original in zip(truth.returns.items(), truth.return_files, strict=True):
        measure = next(iter(content.measures))
        numerator, denominator, _ = content.measures[measure]
        for version in range(1, scale):
            # A value of its own for every version (the denominator is at least 20).
            corrected = ((numerator + version) % (denominator + 1), denominator, f"Corrected: resubmission {version}")
            path = write_template(
                uploads / area / f"{original.stem}_resubmission_{version:02d}.xlsx",
                area,
                year,
                replace(content, measures={**content.measures, measure: corrected}),
            )
            os.utime(path, (last + version, last + version))
            written += 1
    return written


@contextmanager
def timed_runner(seconds: dict[str, float]):
    """Time the runner's parts (bench only): the instance, the definitions, the recovery
    check, the plan, the Dagster job (called -> returned, with epoch times to set against
    the run's own start and end) and the run log. What is left is the writer lock."""
    import dagster as dg

    from cj_pipeline import runner

    def wrap(name, function):
        def timed(*args, **kwargs):
            started, wall_started = time.perf_counter(), time.time()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
                seconds[f"{name}_epoch"] = (wall_started, time.time())

        return timed

    patches = {name: getattr(runner, name) for name in RUNNER_PARTS}
    with ExitStack() as stack:
        for name, function in patches.items():
            stack.enter_context(mock.patch.object(runner, name, wrap(name, function)))
        job = dg.JobDefinition.execute_in_process
        stack.enter_context(mock.patch.object(dg.JobDefinition, "execute_in_process", wrap("job", job)))
        yield


def _epoch(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _dbt_phases(settings, window: tuple[float, float] | None) -> dict[str, float]:
    """The dbt step in four: its start (dagster-dbt, dbt's imports: step start -> dbt's
    invocation start), parse and graph (-> its execution starts), dbt's own
    execution (run_results elapsed_time: connections, nodes, hooks) and the rest (artifacts
    written, the last events handled: -> step end)."""
    results = dbt_run_results(settings)
    if window is None or results is None:
        return {"dbt_nodes": 0, "dbt_start": 0.0, "dbt_parse": 0.0, "dbt_execution": 0.0, "dbt_after": 0.0}
    started, ended = window
    invoked = _epoch(results["metadata"]["invocation_started_at"])
    executed = _epoch(results["metadata"]["generated_at"])  # the end of dbt's execution
    elapsed = results["elapsed_time"]
    return {
        "dbt_nodes": len(results["results"]),
        "dbt_start": invoked - started,
        "dbt_parse": executed - elapsed - invoked,
        "dbt_execution": elapsed,
        "dbt_after": ended - executed,
    }


def _timed_run(settings) -> dict:
    """One `run_build`: its wall, stages, the runner's parts and the dbt step's phases."""
    from cj_pipeline.runner import instance, run_build

    parts: dict[str, float] = {}
    with timed_runner(parts):
        started = time.perf_counter()
        result = run_build(settings, log_level="ERROR")
        wall = time.perf_counter() - started
    split = stages(result, wall)
    run = instance().get_run_stats(result.run_id)
    times = step_times(result)
    dbt_window = next((window for key, window in times.items() if "dbt" in key), None)
    job_started, job_ended = parts["job_epoch"]
    steps = split.intake + split.dbt + split.other
    return {
        "job_name": result.dagster_run.job_name,
        "ok": result.success,
        "wall": wall,
        "intake": split.intake,
        "dbt": split.dbt,
        "other": split.other,
        "overhead": split.overhead,
        "steps": {key: end - start for key, (start, end) in times.items()},
        **{name: parts[name] for name in RUNNER_PARTS},
        "lock": wall - sum(parts[name] for name in RUNNER_PARTS) - parts["job"],
        "job": parts["job"],
        "run_creation": run.start_time - job_started,  # job called -> RUN_START
        "between_steps": run.end_time - run.start_time - steps,
        "run_teardown": job_ended - run.end_time,  # RUN_SUCCESS/FAILURE -> job returned
        **_dbt_phases(settings, dbt_window),
    }


def _counts(settings) -> dict[str, int]:
    from cj_pipeline.lib.core.db import connect

    queries = {
        "files": "select count(*) from raw.file_events",
        "returns_accepted": "select count(*) from raw.submissions where kind = 'return' and status = 'accepted'",
        "partners_accepted": "select count(*) from raw.submissions where kind = 'partner' and status = 'accepted'",
        "rejected": "select count(*) from raw.submissions where status <> 'accepted'",
        "raw_return_measures": "select count(*) from raw.return_measures",
        "raw_partner_values": "select count(*) from raw.partner_values",
        "returns_versioned": "select count(*) from intermediate.int_returns_versioned",
        "indicator_values": "select count(*) from marts.fct_indicator_values",
    }
    with connect(settings.warehouse_path, read_only=True) as connection:
        present = {
            f"{s}.{t}"
            for s, t in connection.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        return {
            name: connection.execute(sql).fetchall()[0][0] if sql.split(" from ")[1].split()[0] in present else 0
            for name, sql in queries.items()
        }


def one_scale(scale: int) -> dict:
    """Scale `scale` (0: no files at all) in this process: generate, one cold run, one run
    with nothing new. Fresh data dir and Dagster instance."""
    started = time.perf_counter()
    import dagster
    import dagster_dbt  # noqa: F401

    warnings.filterwarnings("ignore", category=dagster.BetaWarning)  # as the runner does, before the definitions
    warnings.filterwarnings("ignore", category=dagster.PreviewWarning)
    libraries = time.perf_counter() - started
    import cj_pipeline.definitions  # noqa: F401  (every asset, check and job; dbt's manifest read)

    definitions = time.perf_counter() - started - libraries
    import cj_pipeline.runner  # noqa: F401

    imports = time.perf_counter() - started
    from cj_pipeline.lib.demo.sample_data import generate_sample_data

    root = Path(tempfile.mkdtemp(prefix=f"cj-bench-growth-{scale}-"))
    home = scratch_dagster_home()
    settings = get_settings(root / "data")
    try:
        started = time.perf_counter()
        partner_files = returns = resubmissions = 0
        if scale == EMPTY:
            settings.ensure_dirs()
        else:
            truth = generate_sample_data(settings.data_dir)
            resubmissions = add_resubmissions(settings.data_dir, truth, scale)
            partner_files, returns = len(truth.partner_files), len(truth.return_files)
        generation = time.perf_counter() - started
        cold = _timed_run(settings)
        counts = _counts(settings)
        again = _timed_run(settings)
        return {
            "scale": scale,
            "imports": imports,
            "import_libraries": libraries,
            "import_definitions": definitions,
            "generation": generation,
            "files_written": partner_files + returns + resubmissions,
            "partner_files": partner_files,
            "return_files": returns + resubmissions,
            "cold": cold,
            "nothing_new": again,
            **counts,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def _run_scale(scale: int, repeats: int) -> dict:
    """One scale in a process of its own (the same first-use costs for every scale); with
    repeats, the repeat whose cold run took the median wall, whole (its parts add up)."""
    points = []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(repeats):
            out = Path(folder) / f"scale_{repeat}.json"
            subprocess.run([sys.executable, __file__, "--one", str(scale), "--json", str(out)], check=True)
            points.append(json.loads(out.read_text()))
    points.sort(key=lambda point: point["cold"]["wall"])
    return {**points[len(points) // 2], "walls": [point["cold"]["wall"] for point in points]}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _per_file(before: dict, after: dict) -> str:
    """What each file added between two scales cost, ms, overall and by stage."""
    added = after["files"] - before["files"]
    keys = ("wall", "intake", "dbt", "dbt_execution", "other", "overhead")
    cost = {key: (after["cold"][key] - before["cold"][key]) / added for key in keys}
    return (
        f"| {before['scale']}x -> {after['scale']}x | {added} | "
        + " | ".join(_ms(cost[key]) for key in keys)
        + f" | {_ms((after['nothing_new']['wall'] - before['nothing_new']['wall']) / added)} |"
    )


def _where_added_time_goes(points: list[dict]) -> list[str]:
    """One sentence: of the time each added file costs between the two largest scales, the share
    of each stage."""
    if len(points) < 2:
        return []
    before, after = points[-2], points[-1]
    wall = after["cold"]["wall"] - before["cold"]["wall"]
    share = {key: (after["cold"][key] - before["cold"][key]) / wall for key in ("intake", "dbt", "other", "overhead")}
    return [
        f"Of the time the files added between {before['scale']}x and {after['scale']}x cost, the intake step took "
        f"{share['intake']:.0%}, the dbt step {share['dbt']:.0%}, the other steps {share['other']:.0%} and Dagster "
        f"overhead {share['overhead']:.0%}.",
        "",
    ]


def _outside_steps(label: str, run: dict) -> str:
    return (
        f"| {label} | {run['instance']:.2f} | {run['build_defs']:.2f} | {run['lock']:.2f} | "
        f"{run['recover_warehouse']:.2f} | {run['plan_build']:.2f} | {run['run_creation']:.2f} | "
        f"{run['between_steps']:.2f} | {run['run_teardown']:.2f} | {run['write_run_log']:.2f} | "
        f"{run['overhead']:.2f} |"
    )


def _dbt_step(label: str, run: dict) -> str:
    return (
        f"| {label} | {run['dbt_nodes']} | {run['dbt']:.2f} | {run['dbt_start']:.2f} | {run['dbt_parse']:.2f} | "
        f"{run['dbt_execution']:.2f} | {run['dbt_after']:.2f} |"
    )


def _other_steps(labelled: list[tuple[str, dict]]) -> list[str]:
    """The steps after intake and dbt, one column each."""
    keys = sorted({key for _, run in labelled for key in run["steps"] if "received" not in key and "dbt" not in key})
    return [
        "| run | " + " | ".join(keys) + " |",
        "|---|" + "---:|" * len(keys),
        *(
            f"| {label} | " + " | ".join(f"{run['steps'].get(key, 0.0):.2f}" for key in keys) + " |"
            for label, run in labelled
        ),
    ]


def report(points: list[dict], empty: dict, load_start: str, load_end: str, repeats: int) -> list[str]:
    base, last, fixed, idle = points[0], points[-1], empty["cold"], empty["nothing_new"]
    one = base["scale"]
    rows, ratios = [], []
    for point in points:
        cold, files = point["cold"], point["files"]
        rows.append(
            f"| {point['scale']}x | {files} | {point['returns_accepted']} | {point['raw_return_measures']} | "
            f"{point['returns_versioned']} | {point['indicator_values']} | {cold['dbt_nodes']} | {cold['ok']} | "
            f"{cold['wall']:.2f} | {cold['intake']:.2f} | {cold['dbt']:.2f} | {cold['other']:.2f} | "
            f"{cold['overhead']:.2f} | {_ms(cold['wall'] / files)} | {_ms(cold['intake'] / files)} | "
            f"{_ms(cold['dbt'] / files)} | {point['nothing_new']['wall']:.2f} |"
        )
        ratios.append(
            f"| {point['scale']}x | {files / base['files']:.2f} | {cold['wall'] / base['cold']['wall']:.2f} | "
            + " | ".join(
                f"{cold[key] / base['cold'][key]:.2f}"
                for key in ("intake", "dbt", "dbt_execution", "other", "overhead")
            )
            + " |"
        )
    labelled = [("empty run (no files)", fixed)] + [(f"{p['scale']}x", p["cold"]) for p in points]
    nothing_new = [("nothing new, no files", idle)] + [
        (f"nothing new, {p['scale']}x", p["nothing_new"]) for p in points
    ]
    slope = (last["cold"]["wall"] - base["cold"]["wall"]) / max(1, last["files"] - base["files"])
    intercept = base["cold"]["wall"] - slope * base["files"]
    dbt_fixed = fixed["dbt_start"] + fixed["dbt_parse"] + fixed["dbt_after"]
    dagster_fixed = fixed["run_creation"] + fixed["between_steps"] + fixed["run_teardown"]
    return [
        f"## Growth of the full run: {', '.join(str(p['scale']) + 'x' for p in points)} the sample's returns "
        "(resubmissions), fixed costs named",
        "",
        f"Machine: {machine()}; load average at the start {load_start}, at the end {load_end} (other work "
        "shared the machine: compare the ratios).",
        "",
        "What grows. The seeds hold exactly the 32 council areas and the reporting years, and intake rejects a "
        "return for any other area or year: synthetic areas or years would only measure rejection. So at scale k "
        f"every one of the sample's {base['returns_accepted'] // one} returns (32 areas x 8 years, the 2 latest "
        "missing) arrives k times: the original and k - 1 corrected resubmissions (the sample generator's "
        "`write_template`, one measure changed, a later mtime, in raw/uploads/<GSS code>/). Files and raw return "
        "rows grow k-fold, int_returns_versioned keeps every version, the marts stay the same size; the partner "
        f"files stay 1x ({base['partners_accepted']}). Each scale runs in its own process with a fresh data dir and "
        "Dagster instance (the project's dagster.yaml): one cold `run_build` (job build_warehouse: intake, the dbt "
        "build with its tests, every check), then 'nothing new', a second `run_build` (job intake_files: every "
        "file listed, read and hashed again, nothing else). "
        + (
            f"Each scale ran {repeats} times, each in a new process; the figures are the run with the median "
            "wall (walls: "
            + "; ".join(f"{p['scale']}x " + ", ".join(f"{w:.1f}" for w in p["walls"]) for p in points)
            + " s). "
            if repeats > 1
            else "One cold run per scale. "
        )
        + "Generating the files is in no figure ("
        + ", ".join(f"{p['scale']}x {p['generation']:.0f} s" for p in points)
        + ").",
        "",
        "| scale | files | returns accepted | raw.return_measures rows | int_returns_versioned rows | "
        "fct_indicator_values rows | dbt nodes | ok | wall s | intake s | dbt s | other steps s | "
        "Dagster overhead (wall - steps) s | wall ms/file | intake ms/file | dbt ms/file | nothing new s |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Time per added file (the difference between two scales over the files added), ms:",
        "",
        "| between | files added | wall | intake step | dbt step | dbt's own execution | other steps | "
        "Dagster overhead | nothing new |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_per_file(before, after) for before, after in zip(points, points[1:], strict=False)),
        "",
        *_where_added_time_goes(points),
        f"Ratios to {one}x, the wall against the files:",
        "",
        f"| scale | files_k / files_{one} | wall_k / wall_{one} | intake | dbt step | dbt's own execution | "
        "other steps | Dagster overhead |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *ratios,
        "",
        "The other steps, each (seconds):",
        "",
        *_other_steps(labelled),
        "",
        "The wall outside the steps (seconds; the runner's parts timed by wrapping them, bench only):",
        "",
        "| run | instance | definitions (build_defs) | writer lock | recovery check | plan | Dagster run "
        "creation (job called -> RUN_START) | between steps | run end -> job returned | run log | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_outside_steps(label, run) for label, run in labelled + nothing_new),
        "",
        "The dbt step (seconds): start (dagster-dbt, dbt's imports, until dbt's invocation "
        "starts), parse and graph (until its execution starts), dbt's own execution (run_results elapsed_time: "
        "connections, seeds, models, tests), after (artifacts, the last events):",
        "",
        "| run | dbt nodes | dbt step | start | parse and graph | own execution | after |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(_dbt_step(label, run) for label, run in labelled),
        "",
        f"Fixed costs. A run with no files at all (a fresh warehouse and instance; ok={fixed['ok']}) takes "
        f"{fixed['wall']:.2f} s: the Dagster instance {fixed['instance']:.2f} s (a new one: its SQLite storage "
        f"is made), definitions {fixed['build_defs']:.2f} s, writer lock {fixed['lock']:.2f} s, recovery check "
        f"{fixed['recover_warehouse']:.2f} s, plan {fixed['plan_build']:.2f} s, Dagster run creation "
        f"{fixed['run_creation']:.2f} s and {fixed['between_steps'] + fixed['run_teardown']:.2f} s between and "
        f"after the steps ({dagster_fixed:.2f} s of Dagster in all), the run log {fixed['write_run_log']:.2f} s; "
        f"intake with nothing to read {fixed['intake']:.2f} s; dbt start + parse + artifacts "
        f"{dbt_fixed:.2f} s (start {fixed['dbt_start']:.2f}, parse and graph {fixed['dbt_parse']:.2f}, after "
        f"{fixed['dbt_after']:.2f}) and dbt's own execution of its {fixed['dbt_nodes']} nodes over empty tables "
        f"{fixed['dbt_execution']:.2f} s (the seeds are loaded, every model and test runs); the other steps "
        f"{fixed['other']:.2f} s. Before any of it, each process pays {empty['imports']:.2f} s of imports "
        f"(dagster and dagster-dbt {empty['import_libraries']:.2f} s, the definitions module with dbt's manifest "
        f"{empty['import_definitions']:.2f} s), in no wall here but in every `cj-pipeline run`. The smallest run "
        f"(no files, nothing new: job intake_files) takes {idle['wall']:.2f} s. The empty run is "
        f"{fixed['wall'] / base['cold']['wall']:.0%} of the {one}x run"
        + (
            f" and {fixed['wall'] / last['cold']['wall']:.0%} of the {last['scale']}x run; the straight line "
            f"through {one}x and {last['scale']}x ({_ms(slope)} ms per file) meets zero files at {intercept:.2f} s."
            if len(points) > 1
            else "."
        ),
        "",
    ]


def main() -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(map(str, SCALES)), help="comma-separated, e.g. 1,4")
    parser.add_argument("--repeats", type=int, default=1, help="runs per scale, each in a new process (the median)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one scale in this process
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # where --one writes its figures
    args = parser.parse_args()
    if args.one is not None:
        args.json.write_text(json.dumps(one_scale(args.one)))
        return []
    scales = sorted({int(s) for s in args.scales.split(",")})
    if not scales or scales[0] < 1 or args.repeats < 1:
        parser.error("--scales takes whole numbers from 1, --repeats a whole number from 1")
    load_start = load_average()
    empty = _run_scale(EMPTY, args.repeats)
    print(f"empty run: {empty['cold']['wall']:.2f} s", flush=True)
    points = []
    for scale in scales:
        point = _run_scale(scale, args.repeats)
        print(
            f"{scale}x: {point['files']} files, generated in {point['generation']:.1f} s (in no figure), "
            f"cold run {point['cold']['wall']:.2f} s",
            flush=True,
        )
        points.append(point)
    return report(points, empty, load_start, load_average(), args.repeats)


if __name__ == "__main__":
    lines = main()
    if lines:
        print("\n".join(lines))
        if os.environ.get("CJ_BENCH_OUT"):
            with open(os.environ["CJ_BENCH_OUT"], "a") as handle:
                handle.write("\n".join(lines) + "\n")
