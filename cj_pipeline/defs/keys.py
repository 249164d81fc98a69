"""Asset keys that more than one domain refers to, defined once."""

import dagster as dg


def mart(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


def raw(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


FCT_INDICATOR_VALUES = mart("fct_indicator_values")
FCT_EVIDENCE_COMPLETENESS = mart("fct_evidence_completeness")
PUBLISHED_RELEASE = dg.AssetKey(["published_release"])
ANALYTICS_SNAPSHOT = dg.AssetKey(["analytics_snapshot"])
