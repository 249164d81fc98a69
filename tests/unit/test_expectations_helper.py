"""The gate's Great Expectations suites run in a helper process (lib/quality/expectations.py):
it answers what the suites say in this process, a helper started ahead is the one used, an
unused one is ended, and a helper that fails stops the gate with its own reason."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from cj_pipeline.lib.core.helper_process import Worker
from cj_pipeline.lib.quality import expectations
from cj_pipeline.lib.quality.expectations import (
    marts_expectations,
    prepare_indicator_values,
    start_expectations_helper,
    stop_expectations_helper,
    validate_frame,
)

FIFE, ANGUS = "S12000047", "S12000041"
YEAR = "2024-25"


def _marts(tmp_path) -> duckdb.DuckDBPyConnection:
    """marts.fct_indicator_values and marts.fct_evidence_completeness for one year: the first
    passes its suite; the second has a return with more items complete than expected."""
    values = pd.DataFrame(
        {
            "area_code": [FIFE, ANGUS],
            "financial_year": [YEAR, YEAR],
            "indicator_id": ["NO4_CPO_COMPLETED_PCT"] * 2,
            "value": [80.0, None],
            "marker": [None, "[c]"],
        }
    )
    completeness = pd.DataFrame(
        {
            "area_code": [FIFE, ANGUS],
            "financial_year": [YEAR, YEAR],
            "return_status": ["received", "received"],
            "items_expected": [31, 31],
            "items_complete": [31, 32],
        }
    )
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("create schema marts")
    connection.register("v", values)
    connection.register("c", completeness)
    connection.execute("create table marts.fct_indicator_values as select * from v")
    connection.execute("create table marts.fct_evidence_completeness as select * from c")
    return connection


def _in_process(connection) -> list:
    frames = {
        "fct_indicator_values": prepare_indicator_values(connection.sql("from marts.fct_indicator_values").df()),
        "fct_evidence_completeness": connection.sql("from marts.fct_evidence_completeness").df(),
    }
    return [validate_frame(mart, frame) for mart, frame in frames.items()]


def test_the_helper_started_ahead_answers_what_the_suites_say_here(tmp_path):
    start_expectations_helper()
    ahead = expectations._started
    assert ahead is not None
    with _marts(tmp_path) as connection:
        answered = marts_expectations(connection, YEAR)
        assert answered == _in_process(connection)
    assert [outcome.passed for outcome in answered] == [True, False]
    assert [d["area"] for d in answered[1].details] == ["Angus"]
    assert expectations._started is None and ahead.process.returncode == 0  # it was used, and it ended


def test_an_unused_helper_is_ended(tmp_path):
    start_expectations_helper()
    ahead = expectations._started
    assert ahead is not None and ahead.process.poll() is None
    stop_expectations_helper()
    assert expectations._started is None and ahead.process.poll() is not None


def test_a_failing_helper_stops_the_gate_with_its_reason(tmp_path):
    helper = Worker(expectations.HELPER_MODULE)
    try:
        with _marts(tmp_path) as connection:
            helper.send({"frames": {"fct_no_such_mart": connection.sql("from marts.fct_indicator_values").df()}})
        with pytest.raises(RuntimeError, match=r"expectations failed: KeyError: 'fct_no_such_mart'"):
            helper.wait_bytes()
    finally:
        helper.stop()
