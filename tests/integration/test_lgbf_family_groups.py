"""The official LGBF family groups seed (data/seeds/lgbf_family_groups.csv) against the
publication it was transcribed from, ../shared/real-tables/other_council_tables/
lgbf-family-groups-source.csv (never copied into this repository; skipped without it)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.seeds import local_authorities, read_seed
from cj_pipeline.settings import PROJECT_ROOT

SOURCE = PROJECT_ROOT / ".." / "shared" / "real-tables" / "other_council_tables" / "lgbf-family-groups-source.csv"
SOURCE = SOURCE.resolve()
# The file gives each indicator's rows the family group of the scheme LGBF uses for it.
DEPRIVATION_INDICATORS = {"CORP07", "ENV07b"}


def test_the_seed_has_every_council_once_in_four_groups_of_eight_per_scheme():
    seed = read_seed("lgbf_family_groups")
    assert sorted(r["area_code"] for r in seed) == sorted(a["area_code"] for a in local_authorities())
    for column in ("deprivation_family_group", "rurality_family_group"):
        assert sorted(Counter(r[column] for r in seed).values()) == [8, 8, 8, 8]


@pytest.mark.skipif(
    not SOURCE.is_file(), reason=f"the LGBF source file is not here ({SOURCE}); it lives outside the repository"
)
def test_the_seed_agrees_with_the_lgbf_publication():
    published: dict[tuple[str, str], set[str]] = {}
    with SOURCE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scheme = "deprivation" if row["Indicators_Information_Code"] in DEPRIVATION_INDICATORS else "rurality"
            code = normalise_area(row["LA_Information_LocalAuthority"])
            published.setdefault((code, scheme), set()).add(row["FG_Data_FamilyGroup"])
    assert all(len(groups) == 1 for groups in published.values()), "one group per council and scheme"
    for row in read_seed("lgbf_family_groups"):
        assert published[(row["area_code"], "deprivation")] == {row["deprivation_family_group"]}, row
        assert published[(row["area_code"], "rurality")] == {row["rurality_family_group"]}, row
    assert read_seed("lgbf_family_groups")[0]["lgbf_area_name"]  # names as LGBF writes them, for reference
