"""Benchmark: `dbt build` with the project's `row_contract` tests against the same rules as
dbt's native generic tests (not_null, unique, relationships, accepted_values, and
no_rows_where for formats, ranges and markers: one node per rule and column).

Not a timed test and not in `make bench`: it settled a decision (docs/decisions.md) and is
kept to re-check it. After `make demo` (the warehouse of the sample data in ./data):

    .venv/bin/python bench/bench_dbt_tests.py [--runs 3]

Copies dbt_project and the seeds twice into a temporary folder, rewrites one copy's
row_contract tests as native tests, then times a `dbt build` of each copy, alternating, each
on a fresh copy of the demo warehouse.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")


def native_tests(args: dict) -> tuple[list[dict], dict[str, list]]:
    """(model-level tests, column -> tests) meaning what one row_contract's arguments mean."""
    model: list[dict] = []
    columns: dict[str, list] = {}
    for column in args.get("not_null", []):
        columns.setdefault(column, []).append("not_null")
    for grain in args.get("unique", []):
        if isinstance(grain, str):
            columns.setdefault(grain, []).append("unique")
        else:  # a combination, NULLs counted: one text key per row
            key = " || '|' || ".join(f"coalesce(cast({c} as varchar), '<null>')" for c in grain)
            model.append({"unique": {"column_name": f"({key})"}})
    for link in args.get("references", []):
        test = {"relationships": {"arguments": {"to": f"ref('{link['to']}')", "field": link["field"]}}}
        columns.setdefault(link["column"], []).append(test)
    for accepted in args.get("accepted_values", []):
        test = {"accepted_values": {"arguments": {"values": [str(v) for v in accepted["values"]]}}}
        columns.setdefault(accepted["column"], []).append(test)
    conditions = [f"not regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}')" for c in args.get("financial_year_format", [])]
    for bounds in args.get("in_range", []):
        c, low, high = bounds["column"], bounds.get("min"), bounds.get("max")
        outside = [f"{c} < {low}"] * (low is not None) + [f"{c} > {high}"] * (high is not None)
        conditions.append(f"{c} is not null and ({' or '.join(outside)})")
    for pair in args.get("value_has_marker", []):
        c, marker = pair["column"], pair["marker"]
        conditions.append(f"({c} is null and {marker} is null) or not isfinite(cast({c} as double))")
    model += [{"no_rows_where": {"arguments": {"condition": condition}}} for condition in conditions]
    return model, columns


def rewrite_as_native(project: Path) -> int:
    """Replace every row_contract test under `project` with native tests; how many written."""
    written = 0
    for path in project.rglob("*.yml"):
        data = yaml.safe_load(path.read_text())
        nodes = [n for kind in ("models", "seeds") for n in (data or {}).get(kind) or [] if isinstance(n, dict)]
        for node in nodes:
            kept = []
            for test in node.get("data_tests") or []:
                if not (isinstance(test, dict) and "row_contract" in test):
                    kept.append(test)
                    continue
                contract = test["row_contract"]
                model, columns = native_tests(contract.get("arguments", {}))
                for index, extra in enumerate(model):
                    next(iter(extra.values()))["name"] = f"{contract['name']}_{index}"
                kept += model
                listed = {c["name"]: c for c in node.setdefault("columns", [])}
                for column, tests in columns.items():
                    if column not in listed:
                        listed[column] = {"name": column}
                        node["columns"].append(listed[column])
                    listed[column].setdefault("data_tests", []).extend(tests)
                written += len(model) + sum(len(tests) for tests in columns.values())
            node["data_tests"] = kept
        if nodes:
            path.write_text(yaml.safe_dump(data, sort_keys=False, width=200))
    return written


def build(project: Path, warehouse: Path, scratch: Path) -> tuple[float, float, str]:
    """(wall seconds, dbt's own seconds, its summary line) of one `dbt build`."""
    copy = scratch / "run.duckdb"
    shutil.copy(warehouse, copy)
    start = time.perf_counter()
    done = subprocess.run(
        [str(DBT), "build", "--profiles-dir", "."],
        cwd=project,
        env={"PATH": str(DBT.parent), "CJ_WAREHOUSE_PATH": str(copy), "HOME": str(scratch)},
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    copy.unlink()
    output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    own = re.search(r"\(([0-9.]+)s\)", output)
    summary = re.search(r"Done\. .*", output)
    return wall, float(own.group(1)) if own else float("nan"), summary.group(0) if summary else output[-300:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "warehouse" / "cj.duckdb")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        projects = {}
        for variant in ("row_contract", "native"):
            shutil.copytree(
                ROOT / "dbt_project", scratch / variant / "dbt_project", ignore=shutil.ignore_patterns("target")
            )
            shutil.copytree(ROOT / "data" / "seeds", scratch / variant / "data" / "seeds")
            projects[variant] = scratch / variant / "dbt_project"
        print(f"native tests written: {rewrite_as_native(projects['native'])}")
        for project in projects.values():  # a parse first, so every build reuses it
            subprocess.run([str(DBT), "parse", "--profiles-dir", "."], cwd=project, capture_output=True, check=True)
        for run in range(1, options.runs + 1):
            for variant, project in projects.items():
                wall, own, summary = build(project, options.warehouse, scratch)
                print(f"run {run} {variant:<12} wall {wall:6.1f} s  dbt {own:6.1f} s  {summary}")


if __name__ == "__main__":
    main()
