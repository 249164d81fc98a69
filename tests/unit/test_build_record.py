"""The record of what the warehouse's relations were built from (lib/warehouse/build_plan.py):
what a dbt build starts from, and how the record moves on when it succeeds."""

from cj_pipeline.lib.warehouse.build_plan import (
    BuildState,
    dbt_project_fingerprint,
    dbt_target_path,
    finish_build,
    read_build_state,
    start_build,
    write_build_state,
)
from cj_pipeline.lib.warehouse.dbt_parse import PARSE_FILE
from cj_pipeline.settings import DBT_PROJECT_DIR, get_settings


def _settings(tmp_path):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    return settings


def test_a_subset_never_vouches_for_a_warehouse_without_a_full_build(tmp_path):
    settings = _settings(tmp_path)
    start = start_build(settings, prepared_target=tmp_path / "none")
    assert start.previous is None
    assert finish_build(settings, start, full=False, covered={"return"}, positions={"return": 4}) is None
    assert read_build_state(settings) is None


def test_a_full_build_records_the_project_and_every_covered_kind(tmp_path):
    settings = _settings(tmp_path)
    start = start_build(settings, prepared_target=tmp_path / "none")
    done = finish_build(settings, start, full=True, covered={"return", "partner"}, positions={"return": 7})
    assert done == BuildState(start.fingerprint, {"return": 7, "partner": 0})
    assert read_build_state(settings) == done


def test_a_subset_moves_on_only_the_kinds_it_covered(tmp_path):
    settings = _settings(tmp_path)
    write_build_state(settings, BuildState("old project", {"return": 3, "partner": 5}))
    start = start_build(settings, prepared_target=tmp_path / "none")
    assert start.previous == BuildState("old project", {"return": 3, "partner": 5})
    finish_build(settings, start, full=False, covered={"partner"}, positions={"return": 9, "partner": 8})
    assert read_build_state(settings) == BuildState("old project", {"return": 3, "partner": 8})


def test_a_changed_project_parses_afresh_an_unchanged_one_keeps_its_parse(tmp_path):
    settings = _settings(tmp_path)
    parse = dbt_target_path(settings) / PARSE_FILE
    parse.parent.mkdir(parents=True)
    parse.write_bytes(b"stale")
    write_build_state(settings, BuildState("another project", {}))
    start_build(settings, prepared_target=tmp_path / "none")
    assert not parse.exists()  # parsed by the old project: dropped

    write_build_state(settings, BuildState(dbt_project_fingerprint(), {}))
    parse.write_bytes(b"current")
    start = start_build(settings, prepared_target=tmp_path / "none")
    assert parse.read_bytes() == b"current" and not start.seeded_parse


def test_a_new_warehouse_starts_from_the_projects_prepared_parse(tmp_path):
    settings = _settings(tmp_path)
    start = start_build(settings, prepared_target=DBT_PROJECT_DIR / "target")
    assert start.seeded_parse and (start.target / PARSE_FILE).stat().st_size > 1000
    write_build_state(settings, BuildState(start.fingerprint, {}))  # what a full build records
    assert not start_build(settings, prepared_target=DBT_PROJECT_DIR / "target").seeded_parse
