import pytest

from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.years import fy_starting, normalise_year


@pytest.mark.parametrize(
    "text", ["2024-25", "2024/25", "2024-2025", "2024/2025", "FY2024-25", "  2024-25 ", "fy 2024/25", "2024\u201325"]
)
def test_accepted_spellings_are_canonical(text):
    assert normalise_year(text) == "2024-25"


def test_century_rollover():
    assert normalise_year("1999-00") == "1999-00"
    assert normalise_year("1999/2000") == "1999-00"


@pytest.mark.parametrize("text", ["2024-26", "2024/2026", "2024-24", "2023-25"])
def test_impossible_years_are_rejected(text):
    with pytest.raises(CellProblem) as raised:
        normalise_year(text)
    assert raised.value.code == "impossible_year"


@pytest.mark.parametrize("text", ["2024", "24-25", "next year", "", None, "2024-5"])
def test_non_years_are_rejected(text):
    with pytest.raises(CellProblem) as raised:
        normalise_year(text)
    assert raised.value.code == "invalid_year"


def test_mid_year_maps_to_the_financial_year_it_starts():
    assert fy_starting(2024) == "2024-25"
