"""Crash safety of publish: `cj-pipeline publish` SIGKILLed at seeded random points, then
one clean publish. After every kill published/<FY> is the old release or a complete new
one, and the analytics snapshot (DuckDB + Parquet) is wholly one release, never a mixture.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.integration import crash

pytestmark = pytest.mark.slow


def _publish_args(settings) -> list[str]:
    """`cj-pipeline publish` of the crash year, with the override, on the copied warehouse."""
    return [
        "publish",
        "--year",
        crash.PUBLISH_YEAR,
        "--override-reason",
        crash.OVERRIDE,
        "--data-dir",
        str(settings.data_dir),
    ]


def test_publish_survives_sigkill_at_random_points(release_copy, published_release, capsys):
    # Release A is the shared release: published once per session by the same command.
    settings = release_copy
    published = settings.published_dir
    publish_seconds = published_release.seconds
    release_a = json.loads((published / crash.PUBLISH_YEAR / "release.json").read_text())["release_id"]
    assert crash.check_published(published, release_a)["snapshot"] == release_a
    rng = random.Random(20240608)
    tally = {"kills": 0, "mid_run": 0, "states": {"A": 0, "newer": 0, "snapshot_behind": 0}, "inconsistent": 0}
    window = publish_seconds
    # Three kills at least, two of them mid-run; a kill that came after the run had finished
    # (a later publish can be much quicker than the first on a loaded machine) aims earlier next time.
    while tally["kills"] < 8 and (tally["kills"] < 3 or tally["mid_run"] < 2):
        process = crash.start_cli(*_publish_args(settings))
        # Well inside a publish's time, so kills land mid-run (import, gate, writing, swaps).
        time.sleep(rng.uniform(0.15, 0.6) * window)
        killed = crash.kill_group(process)
        tally["kills"] += 1
        tally["mid_run"] += killed
        if not killed:
            window /= 2
        try:
            seen = crash.check_published(published, release_a)
        except AssertionError:
            tally["inconsistent"] += 1
            raise
        state = "A" if seen["release"] == release_a else "newer"
        tally["states"][state] += 1
        tally["states"]["snapshot_behind"] += seen["snapshot"] != seen["release"]
    final = subprocess.run(
        [crash.CLI, *_publish_args(settings)], capture_output=True, text=True, env=crash.env(), timeout=600
    )
    assert final.returncode == 0, (final.stdout + final.stderr)[-4000:]
    seen = crash.check_published(published, release_a)
    assert seen["release"] == seen["snapshot"] != release_a  # everything is the new release
    leftovers = sorted(p.name for p in published.iterdir() if p.name.startswith("."))
    assert leftovers == [".snapshots"]  # no tmp, old, intent or link leftovers
    versions = sorted(p.name for p in (published / ".snapshots").iterdir())
    assert seen["version"] in versions and len(versions) <= 2  # the new one and at most the previous one
    assert tally["mid_run"] >= 2
    with capsys.disabled():
        print(f"\ncrash safety (publish): one publish {publish_seconds:.0f} s, {tally}")


def test_publish_killed_between_folder_swap_and_snapshot_switch_is_rolled_forward(release_copy, monkeypatch):
    """The one window a random kill rarely hits, made to happen: the release folder is new,
    the snapshot still the old one. The next publish repairs that before it starts; an old
    real snapshot folder (layout before versioned snapshots) is migrated on the way."""
    from cj_pipeline.lib.publish import commit, publish_release, snapshot

    settings = release_copy  # release A: the shared release of the same year
    published = settings.published_dir
    release_a = json.loads((published / crash.PUBLISH_YEAR / "release.json").read_text())["release_id"]
    notes = {"release_id": release_a, "published_at": "2025-06-01T09:00:00", "published_by": "tester"}
    # An older release's real folder in place of the link: migrated, then swapped normally.
    real = published / "snapshot"
    version_a = Path(os.path.realpath(real))
    real.unlink()
    shutil.copytree(version_a, real)
    (real / "snapshot.json").unlink()
    shutil.rmtree(version_a)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands in for SIGKILL: nothing after the commit point runs

    monkeypatch.setattr(snapshot, "activate_snapshot", killed)
    with pytest.raises(KeyboardInterrupt):
        publish_release(settings, crash.PUBLISH_YEAR, dict(notes, release_id="rel-B"))
    monkeypatch.undo()
    assert json.loads((published / crash.PUBLISH_YEAR / "release.json").read_text())["release_id"] == "rel-B"
    assert (published / ".publish-intent.json").exists()
    with duckdb.connect(str(real / "cj_analytics.duckdb"), read_only=True) as con:  # still the old, whole
        assert con.execute("select release_id from published.release_info").fetchall() == [(release_a,)]
    done = commit.recover(published)
    assert done["rolled_forward"] == "rel-B"
    seen = crash.check_published(published, release_a)
    assert seen["release"] == seen["snapshot"] == "rel-B"
    assert not (published / ".publish-intent.json").exists()
    assert any(p.name.startswith("legacy-") for p in (published / ".snapshots").iterdir())  # kept as previous
    publish_release(settings, crash.PUBLISH_YEAR, dict(notes, release_id="rel-C"))
    seen = crash.check_published(published, release_a)
    assert seen["release"] == seen["snapshot"] == "rel-C"
    assert sorted(p.name for p in published.iterdir() if p.name.startswith(".")) == [".snapshots"]
