"""Financial-year partitions, read from data/seeds/financial_years.csv.

Adding a year is one row in that seed (dbt loads the same file): no code changes. The
partition set is fixed when the code location loads, so reload it (or restart
`dagster dev`) after editing the seed.
"""

import dagster as dg

from cj_pipeline.lib.seeds import financial_years

FINANCIAL_YEARS = dg.StaticPartitionsDefinition(financial_years())
