"""A publication runs three things at once (publish/release.py): the workbook in a helper
process, the snapshot in a thread, the pages in the publishing process. When a step fails,
nothing is left behind: no release folder, no tmp folder, no prepared snapshot version, no
helper process, and the error is the step's own."""

from __future__ import annotations

import pytest

from cj_pipeline.lib.core.helper_process import Worker
from cj_pipeline.lib.publish import release

YEAR = "2024-25"


def test_a_failing_step_leaves_no_release_snapshot_or_helper_behind(warehouse_copy, monkeypatch):
    settings, _ = warehouse_copy
    started: list[Worker] = []

    class Recorded(Worker):
        def __init__(self, module: str) -> None:
            super().__init__(module)
            started.append(self)

    def failing_pages(*args, **kwargs):
        raise OSError("disk full while writing the packs")

    monkeypatch.setattr(release, "Worker", Recorded)
    monkeypatch.setattr(release, "write_packs", failing_pages)
    with pytest.raises(OSError, match="disk full while writing the packs"):
        release.build_release(settings, YEAR, {"release_id": "fails-1", "published_by": "tester"})
    published = settings.published_dir
    assert not (published / YEAR).exists()
    assert [p.name for p in published.iterdir() if p.name.startswith(f".{YEAR}.")] == []
    versions = published / ".snapshots"
    assert not versions.exists() or [p.name for p in versions.iterdir() if "fails-1" in p.name] == []
    assert len(started) == 1 and started[0].process.returncode is not None  # the helper has ended
