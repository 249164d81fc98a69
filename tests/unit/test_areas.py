import pytest

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.seeds import read_seed

AREAS = read_seed("areas")
ALIASES = read_seed("area_aliases")
RETIRED = {"S12000015": "S12000047", "S12000024": "S12000048", "S12000046": "S12000049", "S12000044": "S12000050"}


@pytest.mark.parametrize("row", AREAS, ids=lambda r: r["area_name"])
def test_every_code_and_name_resolves(row):
    assert normalise_area(row["area_code"]) == row["area_code"]
    assert normalise_area(row["area_name"]) == row["area_code"]


@pytest.mark.parametrize("row", ALIASES, ids=lambda r: r["alias"])
def test_every_alias_resolves(row):
    assert normalise_area(row["alias"]) == row["area_code"]


@pytest.mark.parametrize(("retired", "current"), RETIRED.items())
def test_retired_codes_map_to_current(retired, current):
    assert normalise_area(retired) == current


def test_retired_codes_in_domain_notes_are_all_in_the_seed():
    seeded = {code for row in AREAS for code in row["retired_codes"].split(";") if code}
    assert seeded == set(RETIRED)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("  fife  ", "S12000047"),
        ("FIFE", "S12000047"),
        ("Fife Council", "S12000047"),
        ("City of  Edinburgh   Council", "S12000036"),
        ("argyll & bute", "S12000035"),
        ("Comhairle nan Eilean Siar", "S12000013"),
        ("s12000047", "S12000047"),
        ("Scotland", "S92000003"),
        ("S92000003", "S92000003"),
        ("Perth\u00a0and Kinross", "S12000048"),  # non-breaking space from a web page
    ],
)
def test_case_spacing_and_trailing_council_are_ignored(text, code):
    assert normalise_area(text) == code


def test_unknown_area_names_the_value_and_suggests_the_closest():
    with pytest.raises(CellProblem) as raised:
        normalise_area("Fyfe")
    assert raised.value.code == "unknown_area"
    assert "'Fyfe'" in raised.value.message
    assert "Did you mean 'Fife'?" in raised.value.message


def test_lookalike_letters_are_not_silently_accepted():
    with pytest.raises(CellProblem) as raised:
        normalise_area("F\u0456fe")  # Cyrillic i
    assert raised.value.code == "unknown_area"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_area_is_an_error(empty):
    with pytest.raises(CellProblem) as raised:
        normalise_area(empty)
    assert raised.value.code == "missing_area"
