"""What the benches that time whole runs share: a scratch Dagster instance, each step's
seconds read back from it, the stages of a run, and the machine they ran on.

Imported by bench/bench_full_run.py and bench/bench_growth.py (run as scripts, so bench/ is
on sys.path); not a test and not part of the package.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.settings import PROJECT_ROOT


def scratch_dagster_home() -> Path:
    """A new, empty Dagster instance configured as the project's (dagster.yaml), made current."""
    home = Path(tempfile.mkdtemp(prefix="cj-bench-dagster-"))
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def ensure_dagster_home() -> None:
    """Runs must be recorded somewhere step timings can be read back: a scratch instance
    when $DAGSTER_HOME is not set (the bench then runs standalone from a fresh clone and
    measures what `make run` gets)."""
    if not os.environ.get("DAGSTER_HOME"):
        scratch_dagster_home()


def step_times(result) -> dict[str, tuple[float, float]]:
    """(start, end) of each step, epoch seconds, from the persistent instance the run was
    recorded in (an in-process result's events carry no timestamps). A step that never
    started (skipped) has no start: it took no time."""
    from cj_pipeline.runner import instance

    stats = instance().get_run_step_stats(result.run_id)
    return {s.step_key: (s.start_time or s.end_time or 0, s.end_time or s.start_time or 0) for s in stats}


def step_seconds(result) -> dict[str, float]:
    """Seconds per step."""
    return {key: end - start for key, (start, end) in step_times(result).items()}


@dataclass(frozen=True)
class Stages:
    """A run's wall time split by step: intake, the dbt build, every other step, and what
    Dagster and the runner add around the steps (wall - steps)."""

    wall: float
    intake: float
    dbt: float
    other: float

    @property
    def overhead(self) -> float:
        return self.wall - self.intake - self.dbt - self.other


def stages(result, wall: float) -> Stages:
    steps = step_seconds(result)
    intake = sum(v for k, v in steps.items() if "received" in k)
    dbt = sum(v for k, v in steps.items() if "dbt" in k)
    return Stages(wall, intake, dbt, sum(steps.values()) - intake - dbt)


def dbt_nodes(settings) -> int:
    """Nodes the last dbt invocation in this warehouse's target folder ran (models, seeds, tests)."""
    results = dbt_run_results(settings)
    return len(results["results"]) if results else 0


def dbt_run_results(settings) -> dict | None:
    """run_results.json of the last dbt invocation for this warehouse (None before any)."""
    from cj_pipeline.lib.warehouse.build_plan import dbt_target_path

    path = dbt_target_path(settings) / "run_results.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine() -> str:
    return f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())
