"""Financial-year partitions, read from data/seeds/financial_years.csv.

Adding a year is one row in that seed (dbt loads the same file): no code changes. The
partition set is fixed when the code location loads, so reload it (or restart
`dagster dev`) after editing the seed.
"""

import dagster as dg

from cj_pipeline.defs.jobs import BY_YEAR_GROUP
from cj_pipeline.defs.resources import WAREHOUSE_POOL
from cj_pipeline.lib.core.seeds import financial_years

FINANCIAL_YEARS = dg.StaticPartitionsDefinition(financial_years())


def read_only_by_year_asset(upstream: dg.AssetKey):
    """The shape every per-year report asset shares: one partition per financial year in
    the `by_year` group (left out of the unpartitioned build job), a backfill of many years
    is one run (and `dagster asset materialize --partition-range` requires it), and it
    queues in the warehouse pool although it only reads, because DuckDB refuses a second
    process while a run writes."""
    return dg.asset(
        deps=[upstream],
        partitions_def=FINANCIAL_YEARS,
        group_name=BY_YEAR_GROUP,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
    )
