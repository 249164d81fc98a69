import datetime as dt

import pytest

from cj_pipeline.lib.core.cells import NumericCell, parse_count, parse_numeric
from cj_pipeline.lib.core.problems import CellProblem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1234, NumericCell(1234.0, None)),
        (12.5, NumericCell(12.5, None)),
        ("1,234", NumericCell(1234.0, None)),
        (" 56 ", NumericCell(56.0, None)),
        ("1,234,567.5", NumericCell(1234567.5, None)),
        ("[c]", NumericCell(None, "[c]")),
        ("[x]", NumericCell(None, "[x]")),
        ("[z]", NumericCell(None, "[z]")),
        ("[low]", NumericCell(None, "[low]")),
        ("[C]", NumericCell(None, "[c]")),
        ("123 [p]", NumericCell(123.0, "[p]")),
        ("45 [r]", NumericCell(45.0, "[r]")),
        ("1,200 [e]", NumericCell(1200.0, "[e]")),
        ("7[u]", NumericCell(7.0, "[u]")),
        ("30 [b]", NumericCell(30.0, "[b]")),
        ("12 [p] [r]", NumericCell(12.0, "[p] [r]")),
        ("*", NumericCell(None, "[c]")),
        ("..", NumericCell(None, "[x]")),
        ("-", NumericCell(None, "[z]")),
        ("n/a", NumericCell(None, "[z]")),
        ("N/A", NumericCell(None, "[z]")),
    ],
)
def test_numbers_and_markers(raw, expected):
    assert parse_numeric(raw) == expected


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_is_missing_never_zero(empty):
    cell = parse_numeric(empty)
    assert cell.value is None and cell.marker is None and cell.is_missing


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("approx 40", "not_a_number"),
        ("TBC", "not_a_number"),
        ("1,23", "not_a_number"),
        ("12%", "not_a_number"),
        ("[q]", "unknown_marker"),
        ("12 [c]", "marker_with_number"),
        (True, "not_a_number"),
        (float("nan"), "not_a_number"),
        (dt.datetime(2024, 5, 1), "date_in_number_cell"),
    ],
)
def test_anything_else_is_an_error_naming_the_value(raw, code):
    with pytest.raises(CellProblem) as raised:
        parse_numeric(raw)
    assert raised.value.code == code
    if isinstance(raw, str):
        assert raw in raised.value.message


def test_counts_are_never_negative_or_fractional():
    with pytest.raises(CellProblem) as raised:
        parse_count("-3")
    assert raised.value.code == "negative_count"
    with pytest.raises(CellProblem) as raised:
        parse_count(2.5)
    assert raised.value.code == "fractional_count"
    assert parse_count("[c]") == NumericCell(None, "[c]")
    assert parse_count("0") == NumericCell(0.0, None)
