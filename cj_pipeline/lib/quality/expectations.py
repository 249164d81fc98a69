"""Dataset expectations on the marts with Great Expectations 1.x, called directly.

GX checks only what no other check does: dbt's `row_contract` on each mart owns the keys
(not NULL, unique grain, references, accepted values) and the SQL checks (checks.py) own
percentages in 0-100; GX owns the rules across columns of the published marts: a value and
its marker agree, and a return never has more items complete than expected, for local
authorities only (docs/decisions.md).

GX is imported lazily (about 4 s, scipy included): only when these suites run, and then in a
helper process (`python -m` this module, lib/core/helper_process.py) started ahead of the gate,
so that the import overlaps the publishing process's own work: the CLI starts it before it
imports Dagster (`start_expectations_helper`), a publication before it runs the other checks.
The suites themselves run as `validate_frame` in that helper. An ephemeral context, a
pandas dataframe asset and `ValidationDefinition(...).run(batch_parameters={"dataframe": df})`
(docs/environment-notes.md). GX does not take polars, so frames are pandas.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import pickle
import sys

import duckdb

from cj_pipeline.lib.core.cells import STANDALONE_MARKERS
from cj_pipeline.lib.core.helper_process import Worker
from cj_pipeline.lib.core.seeds import area_names, local_authorities
from cj_pipeline.lib.quality.outcome import CheckOutcome, outcome

# Columns naming the row of a failing value in the details.
_WHERE = ("area_code", "financial_year", "indicator_id", "return_status")


def _indicator_values_frame(connection: duckdb.DuckDBPyConnection, financial_year: str | None):
    sql, params = "select * from marts.fct_indicator_values", []
    if financial_year is not None:
        sql, params = sql + " where financial_year = ?", [financial_year]
    frame = connection.sql(sql, params=params).df()
    return prepare_indicator_values(frame)


def prepare_indicator_values(frame):
    """Add the derived column the suite checks: whether value and marker agree (a value is
    NULL exactly when a marker that replaces a number says why, and otherwise a finite
    number)."""
    import numpy as np
    import pandas as pd

    frame = frame.copy()
    replacing = frame["marker"].fillna("").map(lambda text: any(m in text.split() for m in STANDALONE_MARKERS))
    finite = frame["value"].isna() | np.isfinite(frame["value"].astype("float64"))
    frame["value_and_marker_agree"] = ((frame["value"].isna() == replacing) & finite).astype(bool)
    return pd.DataFrame(frame)


def _completeness_frame(connection: duckdb.DuckDBPyConnection, financial_year: str | None):
    sql, params = "select * from marts.fct_evidence_completeness", []
    if financial_year is not None:
        sql, params = sql + " where financial_year = ?", [financial_year]
    return connection.sql(sql, params=params).df()


def _suites():
    from great_expectations.expectations.core.expect_column_pair_values_a_to_be_greater_than_b import (
        ExpectColumnPairValuesAToBeGreaterThanB,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import ExpectColumnValuesToBeInSet

    return {
        "fct_indicator_values": [
            ExpectColumnValuesToBeInSet(column="value_and_marker_agree", value_set=[True]),
        ],
        "fct_evidence_completeness": [
            ExpectColumnValuesToBeInSet(column="area_code", value_set=[a["area_code"] for a in local_authorities()]),
            ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="items_expected", column_B="items_complete", or_equal=True
            ),
        ],
    }


_EXPLAIN = {
    "expect_column_values_to_be_in_set": "is not an allowed value",
    "expect_column_pair_values_a_to_be_greater_than_b": "has more items complete than expected",
}


def validate_frame(mart: str, frame) -> CheckOutcome:
    """Run the suite of `mart` (a pandas frame, prepared as in this module) and turn the
    result into a CheckOutcome naming each failing row."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations._docs_decorators"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"cj_{mart}")
        .add_dataframe_asset(mart)
        .add_batch_definition_whole_dataframe(f"{mart}_whole")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=f"{mart}_suite", expectations=_suites()[mart]))
    validation = gx.ValidationDefinition(name=f"{mart}_validation", data=batch, suite=suite)
    result = validation.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"})
    details: list[dict] = []
    names = area_names()
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        if config is None:  # never for a suite's own results; a silent pass would hide a failure
            raise RuntimeError(f"Great Expectations returned a failed result without its expectation ({mart})")
        kwargs = dict(config.kwargs)
        column = kwargs.get("column") or kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]
        indexes = (item.result or {}).get("unexpected_index_list") or []
        for index in indexes[:200]:
            row = frame.loc[index] if not isinstance(index, dict) else None
            where = {k: row[k] for k in _WHERE if row is not None and k in row.index and row[k] is not None}
            area = names.get(str(where.get("area_code")), where.get("area_code"))
            explain = _EXPLAIN.get(config.type, "fails " + config.type)
            if column == "value_and_marker_agree":
                column, explain = (
                    "value/marker",
                    "disagree (a value is empty without [c], [x], [z] or [low], has one, or is not finite)",
                )
            details.append(
                {
                    "table": f"marts.{mart}",
                    "expectation": config.type,
                    "column": column,
                    **({"area": area} if area else {}),
                    **{k: (v if isinstance(v, str) else str(v)) for k, v in where.items()},
                    "problem": f"marts.{mart}: {column} {explain} for "
                    + " ".join(str(v) for v in [area, where.get("financial_year"), where.get("indicator_id")] if v)
                    + ".",
                }
            )
        if not indexes:
            details.append(
                {
                    "table": f"marts.{mart}",
                    "expectation": config.type,
                    "column": column,
                    "problem": f"marts.{mart}: {column} {_EXPLAIN.get(config.type, 'fails ' + config.type)}.",
                }
            )
    return outcome(
        f"expectations_{mart}",
        blocking=True,
        details=details,
        passed_summary=f"marts.{mart} meets every expectation ({len(frame):,} rows).",
        failed_summary=f"{{n}} row(s) of marts.{mart} fail an expectation.",
    )


HELPER_MODULE = "cj_pipeline.lib.quality.expectations"
_started: Worker | None = None  # a helper started ahead of the gate, for the next suites run here


def start_expectations_helper() -> Worker:
    """Start the suites' helper now (it imports GX while this process goes on); the next
    `marts_expectations` in this process hands it the marts. A live one already waiting is
    kept. Returns the waiting helper."""
    global _started
    if _started is None or _started.process.poll() is not None:
        _started = Worker(HELPER_MODULE)
    return _started


def stop_expectations_helper() -> None:
    """End a helper that was started and never given the marts (the publication stopped first)."""
    global _started
    helper, _started = _started, None
    if helper is not None:
        helper.stop()


atexit.register(stop_expectations_helper)


def _take_helper() -> Worker:
    """The helper started ahead, if it is still alive, else a new one; none is left waiting."""
    global _started
    helper, _started = start_expectations_helper(), None
    return helper


def marts_expectations(connection: duckdb.DuckDBPyConnection, financial_year: str | None = None) -> list[CheckOutcome]:
    """The GX suites on marts.fct_indicator_values and marts.fct_evidence_completeness, run by
    the helper (started now unless one is waiting); what the helper raises stops the caller
    with the helper's own last line."""
    frames = {
        "fct_indicator_values": _indicator_values_frame(connection, financial_year),
        "fct_evidence_completeness": _completeness_frame(connection, financial_year),
    }
    helper = _take_helper()
    try:
        helper.send({"frames": frames})
        return pickle.loads(helper.wait_bytes())  # our own helper's answer
    finally:
        helper.stop()


def serve() -> None:
    """`python -m` this module: import GX at once, then run the suites on the pickled frames
    from stdin and write the outcomes, pickled, to stdout. No job (stdin closed): nothing to do."""
    import great_expectations  # noqa: F401  # the import is the slow part: done while the gate is still on its way

    try:
        job = pickle.load(sys.stdin.buffer)
    except EOFError:
        return
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the answer
        outcomes = [validate_frame(mart, frame) for mart, frame in job["frames"].items()]
    sys.stdout.buffer.write(pickle.dumps(outcomes))


if __name__ == "__main__":
    serve()
