"""Job names and selections shared by definitions.py, sensors and schedules (no cycles)."""

import dagster as dg

BUILD_JOB_NAME = "build_warehouse"
FINANCIAL_YEAR_JOB_NAME = "financial_year_status_job"
# Publication (defs/publish): never scheduled, never part of the build; one year per run.
PUBLISH_JOB_NAME = "publish_year"
PUBLISH_GROUP = "publish"

# Assets partitioned by financial year live in this group. The unpartitioned build job
# leaves them out: one run of it cannot pick a year.
BY_YEAR_GROUP = "by_year"


def build_selection() -> dg.AssetSelection:
    """Intake, dbt and everything downstream that is not per year (publication excluded)."""
    return dg.AssetSelection.all() - dg.AssetSelection.groups(BY_YEAR_GROUP, PUBLISH_GROUP)
