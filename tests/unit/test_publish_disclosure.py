"""Publication disclosure control on the sample warehouse: nothing recoverable by subtraction."""

from __future__ import annotations

import duckdb

from cj_pipeline.lib.publish import control
from cj_pipeline.lib.publish.disclosure import recoverable_cells
from cj_pipeline.lib.publish.release import controlled_tables, load
from cj_pipeline.lib.publish.safety import needs_quote_prefix, safe_cell_text

YEAR = "2024-25"


def _published_measures(values, catalogue, decision):
    """What an analyst can read or derive, per measure key, from the published rows."""
    known = {}
    for row in values:
        info = catalogue[row["indicator_id"]]
        if not info.controlled or not info.numerator_measure:
            continue
        a, y = row["area_code"], row["financial_year"]
        if row["numerator"] is not None:
            known[(a, y, info.numerator_measure)] = row["numerator"]
        if info.denominator_confidential and row["denominator"] is not None:
            known[(a, y, info.denominator_measure)] = row["denominator"]
    # group totals: published (derivable) unless suppressed, conservatively
    for key, value in decision.measures.items():
        if str(key[0]).startswith("group:") and key not in decision.suppressed:
            known[key] = value
    return known


def _leaks(raw, primary_only=False):
    tables, decision = controlled_tables(raw, primary_only=primary_only)
    catalogue = control.indicator_catalogue(raw["indicators"])
    values = tables["indicator_values"].to_dicts()
    published = _published_measures(values, catalogue, decision)
    hidden = {k for k, v in decision.measures.items() if v is not None and k not in published}
    return recoverable_cells(published, hidden, decision.relations), tables, decision


def _plant_small_counts(settings):
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        "update marts.fct_indicator_values set value = 3, numerator = 3 "
        "where area_code = 'S12000005' and financial_year = ? and indicator_id = 'NO2_CUSTODY_REFERRALS'",
        [YEAR],
    )
    con.execute(
        "update marts.fct_indicator_values set numerator = 2, value = 100.0 * 2 / denominator "
        "where area_code = 'S12000023' and financial_year = ? and indicator_id = 'HL_CUSTODY_PCT'",
        [YEAR],
    )
    con.close()


def test_every_subtraction_recovers_nothing(warehouse_copy):
    settings, _ = warehouse_copy
    _plant_small_counts(settings)
    recovered, tables, decision = _leaks(load(settings, YEAR))
    assert recovered == set()
    values = {
        (r["area_code"], r["indicator_id"], r["financial_year"]): r for r in tables["indicator_values"].to_dicts()
    }
    assert values[("S12000005", "NO2_CUSTODY_REFERRALS", YEAR)]["marker"] == "[c]"
    # HL group: the suppressed custody count takes its percentage with it
    assert values[("S12000023", "HL_CUSTODY_PCT", YEAR)]["value"] is None
    assert values[("S12000023", "HL_CUSTODY_PCT", YEAR)]["numerator_marker"] == "[c]"
    # secondary suppression happened: more than the two planted cells
    assert len([k for k in decision.suppressed if k[1] == YEAR]) > 2


def test_primary_only_would_leak(warehouse_copy):
    settings, _ = warehouse_copy
    _plant_small_counts(settings)
    recovered, _, _ = _leaks(load(settings, YEAR), primary_only=True)
    assert recovered, "primary suppression alone must be recoverable, or the test above has no teeth"


def test_rounding_and_small_bases():
    policy = control.load_policy()
    assert policy.round(2.5, "count") == 3 and policy.round(12.345, "percent") == 12.3
    assert policy.min_denominator["percent"] == 10
    info = control.IndicatorInfo("X_PCT", "percent", "ratio", "n", "d", 100, False)
    row = {
        "area_code": "A",
        "area_name": "A",
        "financial_year": YEAR,
        "indicator_id": "X_PCT",
        "value": 50.0,
        "numerator": 4 + 1,
        "denominator": 9,
        "marker": None,
    }
    decision = control.SuppressionDecision({}, [], set())
    out = control.control_values([row], {"X_PCT": info}, decision, policy)[0]
    assert out["value"] is None and out["marker"] == "[c]" and out["denominator_marker"] == "[c]"


def test_formula_text_is_neutralised_in_csv_and_exact_in_xlsx():
    for text in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx"):
        assert safe_cell_text(text, "csv") == "'" + text
        assert safe_cell_text(text) == text  # an xlsx string cell is never a formula: written as is
        assert needs_quote_prefix(text)
    assert safe_cell_text("plain", "csv") == "plain" and not needs_quote_prefix("plain")
