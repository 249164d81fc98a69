"""Issue 16, class 10: disk full where a person reads gives one paragraph, no traceback.

How it is simulated: no tmpfs can be mounted in the test sandbox, so the realistic point of
failure is patched instead: the write of an archive object (`archive.store_object`, the
first bytes intake writes) raises OSError(ENOSPC), as os.write does on a full disk; and a
failed Dagster step whose error (or its cause) says "No space left on device", as DuckDB and
dbt report it.
"""

from __future__ import annotations

import errno
import os
from types import SimpleNamespace

from typer.testing import CliRunner

from cj_pipeline import cli
from cj_pipeline.lib.core.disk import is_disk_full
from cj_pipeline.lib.intake import archive
from cj_pipeline.lib.intake.discovery import discover_upload_files
from cj_pipeline.lib.intake.run import ingest_pending
from cj_pipeline.settings import get_settings


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_during_intake_is_one_paragraph_and_loses_nothing(tmp_path, monkeypatch):
    settings = get_settings(tmp_path / "data")
    settings.ensure_dirs()
    (settings.uploads_dir / "r.xlsx").write_bytes(b"bytes")
    monkeypatch.setattr(archive, "store_object", _enospc)
    monkeypatch.setattr(
        "cj_pipeline.runner.run_build",
        lambda s, full=False: ingest_pending(s, discover_upload_files(s)),
    )
    result = CliRunner().invoke(cli.app, ["run", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "disk holding" in result.output and "again" in result.output
    assert (settings.uploads_dir / "r.xlsx").exists()  # still waiting: nothing lost


def test_a_step_that_failed_for_a_full_disk_is_recognised():
    cause = SimpleNamespace(message="OSError: [Errno 28] No space left on device", cause=None, context=None)
    error = SimpleNamespace(message="dbt build failed", cause=cause, context=None)
    event = SimpleNamespace(step_failure_data=SimpleNamespace(error=error))
    assert is_disk_full(cli._failure_text(event))
    wrapped = RuntimeError("commit failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    assert is_disk_full(wrapped) and not is_disk_full(RuntimeError("other"))
