"""Intake of uploads without the warehouse build: folders, area checks, raw rows with lineage."""

import shutil
from pathlib import Path

import duckdb

from cj_pipeline.lib.core.kinds import RETURN
from cj_pipeline.lib.intake.discovery import discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIFE = "S12000047"


def test_uploads_flat_and_per_area_folders(tmp_path):
    settings = get_settings(tmp_path)
    settings.ensure_dirs()
    shutil.copy(FIXTURES / "pass" / "complete.xlsx", settings.uploads_dir / "flat.xlsx")
    (settings.uploads_dir / FIFE).mkdir()
    shutil.copy(FIXTURES / "pass" / "complete.csv", settings.uploads_dir / FIFE / "fife.csv")
    (settings.uploads_dir / "S12000005").mkdir()  # Clackmannanshire's folder
    shutil.copy(FIXTURES / "pass" / "messy_layout.xlsx", settings.uploads_dir / "S12000005" / "fife.xlsx")
    (settings.uploads_dir / "~$flat.xlsx").write_bytes(b"lock file")  # Excel's lock file is ignored

    files = discover_upload_files(settings)
    assert sorted(f.relative_path for f in files) == [
        "raw/uploads/S12000005/fife.xlsx",
        f"raw/uploads/{FIFE}/fife.csv",
        "raw/uploads/flat.xlsx",
    ]
    assert {f.kind for f in files} == {RETURN}

    report = ingest_pending(settings, files)
    by_file = {r["file"]: r for r in report.receipts}
    assert by_file["flat.xlsx"]["status"] == "accepted"
    assert by_file["fife.csv"]["status"] == "accepted"
    wrong = by_file["fife.xlsx"]
    assert wrong["status"] == "rejected"
    assert [i["code"] for i in wrong["issues"]] == ["wrong_area_folder"]
    assert "S12000005" in wrong["issues"][0]["message"]

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        measures = connection.execute(
            "select m.area_code, m.financial_year, m.measure_id, m.numerator, m.sheet, m.numerator_cell, s.original_name "
            "from raw.return_measures m join raw.submissions s using (submission_id) "
            "where s.original_name = 'flat.xlsx' order by measure_id"
        ).fetchall()
        assert measures[0] == (FIFE, "2023-24", "LM6.1", 40.0, "Local measures", "C5", "flat.xlsx")
        counts = dict(
            connection.execute(
                "select s.original_name, count(*) from raw.return_evidence e join raw.submissions s using (submission_id) group by 1"
            ).fetchall()
        )
        assert counts == {"flat.xlsx": 22, "fife.csv": 22}
        rejected_rows = connection.execute(
            "select count(*) from raw.return_cover c join raw.submissions s using (submission_id) where s.status = 'rejected'"
        ).fetchone()[0]
        assert rejected_rows == 0  # rejected returns leave no rows, only their issues
