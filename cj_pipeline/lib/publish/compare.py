"""compare.html: one self-contained page to compare any areas on any indicator, offline.

Readers compare areas the way ScotPHO's trend and rank tabs and ONS's Explore local
statistics let them (CJS's own dashboard allows two areas at a time): pick an indicator and
any set of the 32 areas, and see a trend chart against Scotland and each area's family
group, a ranked chart of all 32 with the chosen ones highlighted, and the values as a table
(with a CSV download). The choice lives in the URL fragment
(#indicator=NO3_COMMENCED&areas=S12000047,S12000019&year=2023-24) so a view can be shared.

Built only from the published (disclosure-controlled, rounded) tables that are written to
data/*.csv, never from the warehouse. The data travel inside the page as a JSON block, made
safe for a script element (json_for_script), so area text is data and never markup; the
page (templates/compare.html.j2, Jinja2 with autoescape) holds its own small script and
styles and fetches nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from cj_pipeline.lib.core.seeds import SCOTLAND_CODE
from cj_pipeline.lib.core.templating import compiled_templates
from cj_pipeline.lib.publish.pack_format import group_label

PANDEMIC_YEARS = ("2020-21", "2021-22")
BREAK_MARKER = "[b]"
UNITS = {
    "percent": "%",
    "count": "people",
    "rate_per_10000": "per 10,000 population",
    "ratio": "average per person",
}
# Characters that could end a <script> element or a JS string early: written as \uXXXX.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_ENV = Environment(
    loader=PackageLoader("cj_pipeline.lib.publish", "templates"),
    autoescape=True,  # every text from the data is escaped
    bytecode_cache=compiled_templates(),
)


def json_for_script(data: object) -> Markup:
    """JSON that can sit inside <script type="application/json">: no <, >, & or line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text))


def _cell(row: dict, value: str = "value", marker: str = "marker") -> list:
    return [row.get(value), row.get(marker)]


def _series(rows: dict, years: list[str]) -> list:
    """One cell per year ([value, marker, ...] or None where the table has no row)."""
    return [rows.get(y) for y in years]


def compare_data(
    tables: dict[str, pl.DataFrame],
    indicators: list[dict],
    year: str,
    release_id: str,
    decimals: dict[str, int],
) -> dict:
    """Everything the page can show, taken cell for cell from the published tables."""
    values = tables["indicator_values"].filter(pl.col("financial_year") <= year)
    bench = tables["benchmark"].filter(pl.col("financial_year") <= year)
    years = sorted(values["financial_year"].unique().to_list())
    area_rows = values.filter(pl.col("area_code") != SCOTLAND_CODE)
    shown = set(area_rows["indicator_id"].unique().to_list())  # Scotland-only indicators have no areas
    group_of = {
        r["area_code"]: r["comparator_group"]
        for r in bench.sort("financial_year").select("area_code", "comparator_group").iter_rows(named=True)
    }
    names = dict(area_rows.sort("financial_year").select("area_code", "area_name").iter_rows())
    cells: dict[str, dict[str, dict[str, list]]] = {}
    for r in values.iter_rows(named=True):
        cells.setdefault(r["indicator_id"], {}).setdefault(r["area_code"], {})[r["financial_year"]] = _cell(r)
    ranks: dict[str, dict[str, dict[str, int | None]]] = {}
    ranked: dict[str, dict[str, int | None]] = {}  # areas ranked: one number per indicator and year
    groups: dict[str, dict[str, dict[str, list]]] = {}
    for r in bench.iter_rows(named=True):
        ranks.setdefault(r["indicator_id"], {}).setdefault(r["area_code"], {})[r["financial_year"]] = r[
            "rank_in_scotland"
        ]
        ranked.setdefault(r["indicator_id"], {})[r["financial_year"]] = r["areas_ranked"]
        groups.setdefault(r["indicator_id"], {}).setdefault(r["comparator_group"], {})[r["financial_year"]] = [
            r["group_value"],
            r["group_marker"],
            r["group_size"],
        ]
    catalogue = [i for i in indicators if i["indicator_id"] in shown]
    return {
        "year": year,
        "release_id": str(release_id),
        "years": years,
        "pandemic": [y for y in years if y in PANDEMIC_YEARS],
        "break_marker": BREAK_MARKER,
        "scotland": SCOTLAND_CODE,
        "decimals": decimals,
        "units": UNITS,
        "indicators": [
            {
                "id": i["indicator_id"],
                "name": i["description"],
                "unit": i["unit"],
                "polarity": i["polarity"],
                "outcome": i.get("outcome_id") or "",
                "outcome_name": i.get("outcome") or "",
            }
            for i in catalogue
        ],
        "areas": [
            {"code": code, "name": names[code], "group": group_of.get(code)}
            for code in sorted(names, key=lambda c: names[c])
        ],
        "groups": {g: group_label(g) for g in sorted({g for g in group_of.values() if g})},
        "values": {
            i: {a: _series(by_year, years) for a, by_year in by_area.items()}
            for i, by_area in cells.items()
            if i in shown
        },
        "ranks": {i: {a: _series(by_year, years) for a, by_year in by_area.items()} for i, by_area in ranks.items()},
        "areas_ranked": {i: _series(by_year, years) for i, by_year in ranked.items()},
        "group_values": {
            i: {g: _series(by_year, years) for g, by_year in by_group.items()} for i, by_group in groups.items()
        },
    }


def render_compare(data: dict) -> str:
    indicator_groups: dict[str, list[dict]] = {}
    for i in data["indicators"]:
        label = f"{i['outcome']}: {i['outcome_name']}" if i["outcome_name"] else i["outcome"] or "Other"
        indicator_groups.setdefault(label, []).append(
            {**i, "label": f"{i['name']} ({UNITS.get(i['unit'], i['unit'])})"}
        )
    families: dict[str, list[dict]] = {}
    for a in data["areas"]:
        families.setdefault(a["group"] or "", []).append(a)
    return _ENV.get_template("compare.html.j2").render(
        data=data,
        data_json=json_for_script(data),
        indicator_groups=indicator_groups,
        families=[(code, data["groups"].get(code, group_label(code)), members) for code, members in families.items()],
    )


def write_compare(
    path: Path,
    year: str,
    release_id: str,
    tables: dict[str, pl.DataFrame],
    indicators: list[dict],
    decimals: dict[str, int],
) -> Path:
    path.write_text(render_compare(compare_data(tables, indicators, year, release_id, decimals)), encoding="utf-8")
    return path
