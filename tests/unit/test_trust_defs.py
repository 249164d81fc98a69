"""The chase list asset: per year, in the by_year group, outside the unpartitioned build."""

import dagster as dg
import duckdb

from cj_pipeline.definitions import build_defs
from cj_pipeline.lib.reporting.chase import (
    COMPLETE,
    MISSING_BOTH,
    MISSING_EVIDENCE,
    MISSING_NARRATIVE,
    NEVER,
    NO_RETURN,
    REJECTED,
    chase_rows,
    classify,
    markdown_table,
    status_counts,
)
from cj_pipeline.lib.warehouse.build_plan import BUILD_JOB_NAME

CHASE = dg.AssetKey("chase_list")


def test_chase_list_is_partitioned_and_not_in_the_build_job():
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    node = graph.get(CHASE)
    assert node.partitions_def is not None and node.group_name == "by_year"
    assert dg.AssetKey(["marts", "fct_evidence_completeness"]) in node.parent_keys
    build = defs.resolve_job_def(BUILD_JOB_NAME)
    assert CHASE not in build.asset_layer.selected_asset_keys


def test_classify_every_status():
    assert classify("missing", "No return received") == NO_RETURN
    assert classify("rejected", "Return rejected: see its receipt") == REJECTED
    assert classify("received", "LE1.1 evidence (Not known)") == MISSING_EVIDENCE
    assert classify("received", "NO3 actions taken; NO4 progress") == MISSING_NARRATIVE
    assert classify("received", "LE2.1 evidence (no status); NO4 progress") == MISSING_BOTH
    assert classify("received", "") == COMPLETE


def test_chase_rows_on_a_tiny_warehouse():
    db = duckdb.connect()
    db.execute("""
        create schema marts; create schema raw;
        create table marts.dim_area as select * from (values
            ('A1', 'Area one', 'local_authority'), ('A2', 'Area two', 'local_authority'),
            ('A3', 'Area three', 'local_authority'), ('A4', 'Area four', 'local_authority'),
            ('A5', 'Area five', 'local_authority'), ('S9', 'Scotland', 'country')) t(area_code, area_name, area_type);
        create table marts.fct_evidence_completeness as select * from (values
            ('A1', '2024-25', 'missing', ''), ('A2', '2024-25', 'rejected', 'Return rejected: see its receipt'),
            ('A3', '2024-25', 'received', 'LE1.1 evidence (Not known)'),
            ('A4', '2024-25', 'received', 'NO2 progress'), ('A5', '2024-25', 'received', ''))
            t(area_code, financial_year, return_status, missing_items);
        create table raw.submissions as select * from (values
            ('s2', 'return', 'rejected', 'A2', '2024-25', 'a2.xlsx', timestamp '2025-10-01 09:00', 2, 3),
            ('s2b', 'return', 'rejected', 'A2', '2024-25', 'a2b.xlsx', timestamp '2025-10-05 09:00', 5, 1),
            ('s3', 'return', 'accepted', 'A3', '2024-25', 'a3.xlsx', timestamp '2025-10-02 09:00', 3, 0),
            ('s4', 'return', 'accepted', 'A4', '2024-25', 'a4.xlsx', timestamp '2025-10-03 09:00', 4, 0),
            ('s5', 'return', 'accepted', 'A5', '2024-25', 'a5.xlsx', timestamp '2025-10-04 09:00', 6, 0))
            t(submission_id, kind, status, area_code, financial_year, original_name, received_at, arrival_seq,
              error_count);
        create table raw.return_cover as select * from (values ('s3', 'a3@x.scot'), ('s4', 'a4@x.scot'))
            t(submission_id, email);
    """)
    rows = {r.area_code: r for r in chase_rows(db, "2024-25", include_complete=True)}
    assert [(r.status, r.since) for r in rows.values()] == [
        (NO_RETURN, NEVER),
        (REJECTED, "2025-10-05"),
        (MISSING_EVIDENCE, "2025-10-02"),
        (MISSING_NARRATIVE, "2025-10-03"),
        (COMPLETE, "2025-10-04"),
    ]
    assert "a2b.xlsx, 1 error(s)" in rows["A2"].missing
    assert (rows["A3"].contact_email, rows["A1"].contact_email) == ("a3@x.scot", "")
    assert [r.area_code for r in chase_rows(db, "2024-25")] == ["A1", "A2", "A3", "A4"]
    assert status_counts(list(rows.values()))[COMPLETE] == 1
    assert "Area two (A2)" in markdown_table(list(rows.values()))
    # a year nobody has sent anything for: every area is chased
    assert {r.status for r in chase_rows(db, "2030-31")} == {NO_RETURN}
