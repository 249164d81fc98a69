"""The spreadsheet's helper process (core/helper_process.py running release_workbook): a failure
stops the publication with the worker's own reason, and a worker never given its job (the
publication failed first) ends without writing anything."""

from __future__ import annotations

import pytest

from cj_pipeline.lib.core.helper_process import Worker
from cj_pipeline.lib.publish import control

MODULE = "cj_pipeline.lib.publish.release_workbook"


def test_a_failing_worker_stops_the_publication_with_its_reason(tmp_path):
    worker = Worker(MODULE)
    try:
        # No published tables in data_dir: the workbook cannot be written.
        job = {"path": tmp_path / "book.xlsx", "year": "2023-24", "notes": {}, "policy": control.load_policy()}
        worker.send(job | {"data_dir": tmp_path, "raw": {"areas": [], "indicators": [], "years": []}})
        with pytest.raises(
            RuntimeError, match=r"release_workbook failed: (?s:.*)KeyError: 'indicator_values'"
        ) as failed:
            worker.wait()
        # The first line (what the CLI shows) is the error itself, not the traceback's opening.
        assert str(failed.value).splitlines()[0].endswith("failed: KeyError: 'indicator_values'")
    finally:
        worker.stop()
    assert not (tmp_path / "book.xlsx").exists()


def test_a_worker_without_a_job_ends_when_stopped():
    worker = Worker(MODULE)
    worker.stop()
    assert worker.process.returncode is not None
    with pytest.raises(RuntimeError, match="no job was sent"):
        worker.wait()
