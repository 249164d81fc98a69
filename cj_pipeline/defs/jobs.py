"""Job names, selections and jobs shared by definitions.py, sensors and schedules (no cycles).

`build_warehouse` builds everything. The refresh jobs ingest one kind of file (or both)
and rebuild only the dbt models, tests and checks downstream of the raw tables that kind
writes; `intake_files` only ingests. `runner.run_build` and the sensors choose between
them with `lib/warehouse/build_plan.plan_build`, which owns the job names.
"""

from collections.abc import Callable, Iterable, Mapping

import dagster as dg

from cj_pipeline.defs.keys import raw
from cj_pipeline.defs.quality.checks import raw_row_contracts, warehouse_quality_checks
from cj_pipeline.lib.core.kinds import FILE_KINDS, PARTNER, RETURN
from cj_pipeline.lib.warehouse.build_plan import BUILD_JOB_NAME, INTAKE_JOB_NAME, REFRESH_JOB_NAMES

FINANCIAL_YEAR_JOB_NAME = "financial_year_status_job"
# Publication (defs/publish): never scheduled, never part of the build; one year per run.
PUBLISH_JOB_NAME = "publish_year"
PUBLISH_GROUP = "publish"

# Assets partitioned by financial year live in this group. The unpartitioned build job
# leaves them out: one run of it cannot pick a year.
BY_YEAR_GROUP = "by_year"

# Which raw tables intake writes for each kind of file (lib/intake/run.py): every file gets a
# file event, a submission and its issues (and a change report when it corrects one);
# only its accepted rows go to the kind's own tables.
SHARED_RAW_TABLES = ("file_events", "submissions", "issues", "change_reports")
OWN_RAW_TABLES = {
    RETURN: ("return_cover", "return_evidence", "return_measures", "return_assessments", "return_local_outcomes"),
    PARTNER: ("partner_values",),
}


def build_selection() -> dg.AssetSelection:
    """Intake, dbt and everything downstream that is not per year (publication excluded)."""
    return dg.AssetSelection.all() - dg.AssetSelection.groups(BY_YEAR_GROUP, PUBLISH_GROUP)


def raw_keys(kinds: Iterable[str], own_only: bool = False) -> list[dg.AssetKey]:
    """The raw/<table> keys intake writes for these kinds of file."""
    tables = [] if own_only else list(SHARED_RAW_TABLES)
    for kind in FILE_KINDS:
        if kind in set(kinds):
            tables += OWN_RAW_TABLES[kind]
    return [raw(table) for table in tables]


def _refreshed(kinds: Iterable[str], downstream: Callable):
    """What a refresh after `kinds` rebuilds: everything downstream of the raw tables these
    kinds write, except what reads only the other kinds' own tables.

    The exception is sound because the models that read one kind's own rows meet
    raw.submissions only on that kind's submission_id (int_partner_values_versioned
    inner-joins partner values; the return models join int_returns_versioned, which keeps
    kind = 'return'): a new return cannot change partner-only models (the partner staging
    views, int_partner_values_versioned, int_scotland_reconciliation), nor a new partner
    file the return-only ones. Seeds and seed-only marts are never in a refresh.

    `downstream(keys)` returns the keys and all below them, as an AssetSelection or a set:
    the rule is written once for both."""
    kinds = set(kinds)
    selected = downstream(raw_keys(kinds))
    others = set(FILE_KINDS) - kinds
    if others:
        selected = selected - (downstream(raw_keys(others, own_only=True)) - downstream(raw_keys(kinds, own_only=True)))
    return selected


def refresh_selection(kinds: Iterable[str]) -> dg.AssetSelection:
    """The asset selection of the refresh job after `kinds` (see `_refreshed`)."""
    selection = _refreshed(kinds, lambda keys: dg.AssetSelection.assets(*keys).downstream())
    return (selection & build_selection()) | _whole_check_ops()


def _whole_check_ops() -> dg.AssetSelection:
    """The project's own multi-asset checks run as one op that cannot be subset, so a
    refresh runs all of their checks (over the current tables, rebuilt or not)."""
    return dg.AssetSelection.checks(raw_row_contracts, warehouse_quality_checks)


def refresh_keys(kinds: Iterable[str], deps: Mapping[dg.AssetKey, Iterable[dg.AssetKey]]) -> set[dg.AssetKey]:
    """`refresh_selection(kinds)` over a plain {asset: upstream keys} mapping (e.g. the dbt
    assets' `asset_deps`), for code that has no asset graph at hand."""

    def downstream(roots: Iterable[dg.AssetKey]) -> set[dg.AssetKey]:
        found, frontier = set(roots), set(roots)
        while frontier:
            frontier = {key for key, ups in deps.items() if key not in found and frontier & set(ups)}
            found |= frontier
        return found

    return _refreshed(kinds, downstream)


def refresh_jobs() -> list:
    """The selective jobs, registered next to the full `build_warehouse`."""
    jobs = [
        dg.define_asset_job(
            name,
            selection=refresh_selection(kinds),
            description=f"Intake of {' and '.join(sorted(kinds))} files, then only the models, tests and "
            "checks downstream of the raw tables they write (the warehouse must already be built).",
            tags={"cj/build": "selective", "cj/refreshes": ",".join(sorted(kinds))},
        )
        for kinds, name in REFRESH_JOB_NAMES.items()
    ]
    jobs.append(
        dg.define_asset_job(
            INTAKE_JOB_NAME,
            # Not the dbt source tests on raw tables: they would start dbt.
            selection=dg.AssetSelection.assets(*raw_keys(FILE_KINDS)).without_checks()
            | dg.AssetSelection.checks(raw_row_contracts),
            description="Intake of every waiting file and the raw contracts; dbt does not run.",
            tags={"cj/build": "intake_only"},
        )
    )
    return jobs


REFRESH_JOBS = refresh_jobs()
BUILD_JOB = dg.define_asset_job(BUILD_JOB_NAME, selection=build_selection(), tags={"cj/build": "full"})
