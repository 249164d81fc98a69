"""compare.py: the page's data taken cell for cell from published tables, made safe for a script."""

from __future__ import annotations

import json
import re

import polars as pl

from cj_pipeline.lib.publish.compare import compare_data, json_for_script, render_compare
from cj_pipeline.lib.publish.pack_format import group_label

HOSTILE = "</script><script>alert(1)</script>\u2028\u2029&<!--"
YEARS = ("2019-20", "2020-21", "2021-22", "2022-23")


def _tables() -> dict[str, pl.DataFrame]:
    values, bench = [], []
    for area, name, group in (
        ("S12000005", HOSTILE, "lgbf_deprivation_3"),
        ("S12000047", "Fife", "lgbf_deprivation_3"),
    ):
        for k, year in enumerate(YEARS):
            value, marker = (None, "[c]") if (area, year) == ("S12000005", "2020-21") else (40.0 + k, None)
            if (area, year) == ("S12000047", "2022-23"):
                marker = "[b]"
            values.append(
                dict(
                    area_code=area,
                    area_name=name,
                    financial_year=year,
                    indicator_id="A_PCT",
                    unit="percent",
                    value=value,
                    marker=marker,
                )
            )
            bench.append(
                dict(
                    area_code=area,
                    area_name=name,
                    financial_year=year,
                    indicator_id="A_PCT",
                    comparator_group=group,
                    rank_in_scotland=None if value is None else 1 + (area == "S12000005"),
                    areas_ranked=2,
                    group_value=41.5,
                    group_marker="[u]" if year == "2020-21" else None,
                    group_size=2,
                )
            )
    for year in YEARS:
        values.append(
            dict(
                area_code="S92000003",
                area_name="Scotland",
                financial_year=year,
                indicator_id="A_PCT",
                unit="percent",
                value=50.0,
                marker=None,
            )
        )
        values.append(
            dict(
                area_code="S92000003",
                area_name="Scotland",
                financial_year=year,
                indicator_id="S_ONLY",
                unit="percent",
                value=9.0,
                marker=None,
            )
        )
    values.append(
        dict(
            area_code="S12000047",
            area_name="Fife",
            financial_year="2023-24",
            indicator_id="A_PCT",
            unit="percent",
            value=99.0,
            marker=None,
        )
    )
    return {"indicator_values": pl.DataFrame(values), "benchmark": pl.DataFrame(bench)}


INDICATORS = [
    {
        "indicator_id": "A_PCT",
        "description": "A share",
        "unit": "percent",
        "polarity": "higher_is_better",
        "outcome_id": "NO1",
        "outcome": "An outcome",
    },
    {
        "indicator_id": "S_ONLY",
        "description": "Scotland only",
        "unit": "percent",
        "polarity": "neutral",
        "outcome_id": "NO9",
        "outcome": "Other",
    },
]


def test_json_for_script_escapes_what_could_end_the_script_and_round_trips():
    text = str(json_for_script({"name": HOSTILE}))
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"name": HOSTILE}


def test_group_labels_are_readable():
    assert group_label("lgbf_deprivation_1_least_deprived") == "Family group 1 (by deprivation, least deprived)"
    assert group_label("lgbf_rurality_2") == "Family group 2 (by rurality)"
    assert group_label("urban_higher_deprivation") == "Urban higher deprivation"


def test_data_are_the_published_cells_markers_kept_later_years_left_out():
    data = compare_data(_tables(), INDICATORS, "2022-23", "r1", {"percent": 1})
    assert data["years"] == list(YEARS) and data["pandemic"] == ["2020-21", "2021-22"]
    assert [i["id"] for i in data["indicators"]] == ["A_PCT"]  # a Scotland-only indicator has no areas to compare
    clack = data["values"]["A_PCT"]["S12000005"]
    assert clack[1] == [None, "[c]"] and clack[0] == [40.0, None]  # suppressed stays suppressed, never 0
    assert data["values"]["A_PCT"]["S12000047"][3] == [43.0, "[b]"]
    assert data["ranks"]["A_PCT"]["S12000005"] == [2, None, 2, 2] and data["areas_ranked"]["A_PCT"] == [2, 2, 2, 2]
    assert data["group_values"]["A_PCT"]["lgbf_deprivation_3"][1] == [41.5, "[u]", 2]
    assert [a["name"] for a in data["areas"]] == [HOSTILE, "Fife"]
    assert data["values"]["A_PCT"]["S92000003"] == [[50.0, None]] * 4


def test_area_text_is_escaped_in_the_markup_and_inert_in_the_data():
    html = render_compare(compare_data(_tables(), INDICATORS, "2022-23", "r1", {"percent": 1}))
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # the checkbox label, escaped
    block = re.search(r'id="compare-data">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["areas"][0]["name"] == HOSTILE
