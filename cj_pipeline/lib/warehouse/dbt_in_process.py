"""dbt run in this process, through dbt's own programmatic entry point (`dbtRunner`).

Why not a `dbt` child process (dagster-dbt's way): a fresh dbt process spends 3-4 s of a
2-core machine importing dbt before its first node, and its Dagster step has already
imported most of it (dagster-dbt imports dbt). Measured on the sample data: the same build
took 11.9 s as a child process and 7.6 s in process (5.3 s when dbt was already warm).

What a child process gave for free, kept here:
- its end released the warehouse file: dbt-duckdb keeps one DuckDB instance per process,
  so it is closed after every invocation (`_release_duckdb`), whatever happened;
- an interrupt (Ctrl-C, a terminated run) stops the build: dbtRunner returns it as a
  result, and it is raised again;
- a SIGKILL still takes dbt with it (it is the same process), and every relation dbt
  writes is a DuckDB transaction, so the warehouse stays whole (test_crash_safety_dbt).
dbt keeps global state (flags, the event manager, adapters), so one invocation at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# dbt's structured events that carry a node's result (what dagster-dbt turns into
# materialisations and check results).
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
# Levels of the lines dbt prints on its console at the default log level.
CONSOLE_LEVELS = frozenset({"info", "warn", "error"})

_one_at_a_time = threading.Lock()


@dataclass
class DbtInvocation:
    """What one dbt command did: node results as dbt's structured-log dicts (the JSON
    lines `dbt --log-format json` prints), and its error lines."""

    args: list[str]
    success: bool = False
    results: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exception: BaseException | None = None

    def failure_text(self) -> str:
        """What went wrong, in dbt's own words (no traceback)."""
        said = [line for line in self.errors if line.strip()]
        if self.exception is not None and str(self.exception) not in "\n".join(said):
            said.append(str(self.exception))
        return "\n".join(said) or "dbt stopped without saying why (its lines are in the dbt target folder)."


def invoke_dbt(
    args: Sequence[str],
    on_line: Callable[[str], object] = lambda line: None,
    on_result: Callable[[dict], object] = lambda event: None,
    results_path: Path | None = None,
) -> DbtInvocation:
    """Run one dbt command (`args` as after `dbt`) in this process. `results_path`: where to
    write dbt's run_results.json, for a command run with `--no-write-json` (dbt then also
    skips manifest.json, which it writes twice per build and nothing here reads). `on_line` gets each line
    dbt would print on its console, `on_result` each node's result event as it finishes;
    both are called from dbt's worker threads, one call at a time, and what they raise is kept
    as an error line rather than stopping dbt."""
    from dbt.artifacts.schemas.run import RunExecutionResult
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    invocation, reporting = DbtInvocation(list(args)), threading.Lock()

    def listen(message) -> None:
        # Called on dbt's worker threads: whatever happens here must not reach dbt (an
        # exception escaping a worker thread leaves dbt waiting for that node forever).
        info = message.info
        console = info.level in CONSOLE_LEVELS and info.name != "JinjaLogInfo"
        event = msg_to_dict(message) if info.name in RESULT_EVENTS else None
        with reporting:
            if info.level == "error":
                invocation.errors.append(info.msg)
            if event is not None:
                invocation.results.append(event)
            try:
                if console:
                    on_line(info.msg)
                if event is not None:
                    on_result(event)
            except Exception as error:  # e.g. the log's disk is full: dbt says so itself
                invocation.errors.append(f"Could not report dbt's progress: {error}")

    with _one_at_a_time:
        # dbt's file log (dbt.log) is a `logging` handler: when it cannot write (a full disk),
        # logging would print "--- Logging error ---" and a traceback on the console. dbt's
        # own events still say what failed.
        raise_exceptions, logging.raiseExceptions = logging.raiseExceptions, False
        try:
            outcome = dbtRunner(callbacks=[listen]).invoke(list(args))
        finally:
            logging.raiseExceptions = raise_exceptions
            _release_duckdb()
    if outcome.exception is not None and not isinstance(outcome.exception, Exception):
        raise outcome.exception  # an interrupt: stop, as the dbt process would have
    invocation.success, invocation.exception = bool(outcome.success), outcome.exception
    if results_path is not None and isinstance(outcome.result, RunExecutionResult):
        outcome.result.write(str(results_path))
    return invocation


def _release_duckdb() -> None:
    """Close dbt-duckdb's DuckDB instance for this process, so the warehouse file is free for
    the next step and for other processes. dbt-duckdb closes it itself when its last
    connection closes; this covers a build that stopped before it could."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
