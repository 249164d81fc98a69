"""Job names, selections and jobs shared by definitions.py, sensors and schedules (no cycles).

`build_warehouse` builds everything. The refresh jobs ingest one kind of file (or both)
and rebuild only the dbt models, tests and checks downstream of the raw tables that kind
writes; `intake_files` only ingests. `runner.run_build` and the sensors choose between
them with `warehouse.assets.plan_refresh` (lib/build_state.py decides).
"""

from collections.abc import Iterable, Mapping

import dagster as dg

from cj_pipeline.defs.quality.checks import raw_row_contracts, warehouse_quality_checks
from cj_pipeline.lib.warehouse.build_plan import FILE_KINDS
from cj_pipeline.lib.intake.batch import PARTNER, RETURN

BUILD_JOB_NAME = "build_warehouse"
FINANCIAL_YEAR_JOB_NAME = "financial_year_status_job"
# Publication (defs/publish): never scheduled, never part of the build; one year per run.
PUBLISH_JOB_NAME = "publish_year"
PUBLISH_GROUP = "publish"

# Assets partitioned by financial year live in this group. The unpartitioned build job
# leaves them out: one run of it cannot pick a year.
BY_YEAR_GROUP = "by_year"

# Which raw tables intake writes for each kind of file (lib/intake.py): every file gets a
# file event, a submission and its issues (and a change report when it corrects one);
# only its accepted rows go to the kind's own tables.
SHARED_RAW_TABLES = ("file_events", "submissions", "issues", "change_reports")
OWN_RAW_TABLES = {
    RETURN: ("return_cover", "return_evidence", "return_measures", "return_assessments", "return_local_outcomes"),
    PARTNER: ("partner_values",),
}

# Selective rebuilds: intake of one kind of file and only what depends on what it writes.
REFRESH_JOB_NAMES = {
    frozenset({RETURN}): "refresh_after_returns",
    frozenset({PARTNER}): "refresh_after_partners",
    frozenset({RETURN, PARTNER}): "refresh_after_intake",
}
# Intake alone (nothing new waiting or unbuilt): no dbt at all.
INTAKE_JOB_NAME = "intake_files"


def build_selection() -> dg.AssetSelection:
    """Intake, dbt and everything downstream that is not per year (publication excluded)."""
    return dg.AssetSelection.all() - dg.AssetSelection.groups(BY_YEAR_GROUP, PUBLISH_GROUP)


def raw_keys(kinds: Iterable[str], own_only: bool = False) -> list[dg.AssetKey]:
    """The raw/<table> keys intake writes for these kinds of file."""
    tables = [] if own_only else list(SHARED_RAW_TABLES)
    for kind in FILE_KINDS:
        if kind in set(kinds):
            tables += OWN_RAW_TABLES[kind]
    return [dg.AssetKey(["raw", table]) for table in tables]


def refresh_selection(kinds: Iterable[str]) -> dg.AssetSelection:
    """Intake of these kinds of file and everything downstream of the raw tables they write,
    except what reads only the other kinds' own tables.

    The exception is sound because the models that read one kind's own rows meet
    raw.submissions only on that kind's submission_id (int_partner_values_versioned
    inner-joins partner values; the return models join int_returns_versioned, which keeps
    kind = 'return'): a new return cannot change partner-only models (the partner staging
    views, int_partner_values_versioned, int_scotland_reconciliation), nor a new partner
    file the return-only ones. Seeds and seed-only marts are never in a refresh."""
    kinds = set(kinds)
    selection = dg.AssetSelection.assets(*raw_keys(kinds)).downstream()
    others = set(FILE_KINDS) - kinds
    if others:
        mine = dg.AssetSelection.assets(*raw_keys(kinds, own_only=True)).downstream()
        theirs = dg.AssetSelection.assets(*raw_keys(others, own_only=True)).downstream()
        selection = selection - (theirs - mine)
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

    kinds = set(kinds)
    selected = downstream(raw_keys(kinds))
    others = set(FILE_KINDS) - kinds
    if others:
        selected -= downstream(raw_keys(others, own_only=True)) - downstream(raw_keys(kinds, own_only=True))
    return selected


def refresh_job_name(kinds: Iterable[str]) -> str:
    """The job that refreshes the warehouse after these kinds of file (intake only if none)."""
    kinds = frozenset(kinds)
    return REFRESH_JOB_NAMES[kinds] if kinds else INTAKE_JOB_NAME


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
