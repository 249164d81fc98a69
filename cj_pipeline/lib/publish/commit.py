"""The crash-safe commit protocol of a release: published/<FY> is the old release or a
complete new one, whatever moment a publish is killed at.

`build_release` writes the new release into a hidden folder, records its intent
(INTENT) and then calls `commit_release`, which exchanges the folders in one step
(renameat2 RENAME_EXCHANGE; two renames as a fallback). `recover` runs at the start of
every publish: it rolls a killed publish forward (the folder was swapped: switch the
snapshot link too) or back (restore the old release) and removes leftovers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from cj_pipeline.lib.core.atomic import exchange_dirs, fsync_dir
from cj_pipeline.lib.publish import snapshot

INTENT = ".publish-intent.json"


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "release.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _restore_old(published_dir: Path) -> None:
    """Undo a kill between the two fallback renames: put a lone .old back as the release."""
    for old in sorted(published_dir.glob(".*.old")):
        year = old.name[1:].split(".")[0]
        if not (published_dir / year).exists():
            os.rename(old, published_dir / year)


def recover(published_dir: Path) -> dict:
    """Finish or undo a publish that was killed; remove its leftovers. Returns what it did."""
    done: dict = {}
    intent_path = published_dir / INTENT
    intent = None
    if intent_path.exists():
        try:
            intent = json.loads(intent_path.read_text(encoding="utf-8"))
        except ValueError:
            intent = None  # cannot happen (written atomically); treated as no intent
    if intent:
        target = published_dir / intent["financial_year"]
        # The snapshot version is unique to one attempt (a release id could be reused).
        if _manifest(target).get("snapshot_version") == intent["snapshot_version"]:
            version = intent["snapshot_version"]
            if snapshot.current_version(published_dir) != version and snapshot.read_stamp(
                snapshot.versions_dir(published_dir) / version
            ):
                snapshot.activate_snapshot(published_dir, version)
            done["rolled_forward"] = intent["release_id"]
        else:
            _restore_old(published_dir)
            shutil.rmtree(snapshot.versions_dir(published_dir) / intent["snapshot_version"], ignore_errors=True)
            done["rolled_back"] = intent["release_id"]
    _restore_old(published_dir)
    leftovers = [*published_dir.glob(".*.old"), *published_dir.glob(".*.tmp"), *published_dir.glob(".*.lnk")]
    for path in leftovers:
        _remove(path)
    snapshot.migrate_legacy(published_dir)  # also relinks a missing snapshot link
    current = snapshot.current_version(published_dir)
    root = snapshot.versions_dir(published_dir)
    if root.exists():  # temporary or never-activated (newer than current) versions
        now = (snapshot.read_stamp(root / current) or {}).get("created_at", 0.0) if current else 0.0
        for path in root.glob("*"):
            stamp = snapshot.read_stamp(path)
            if path.name != current and (stamp is None or stamp.get("created_at", 0.0) > now):
                shutil.rmtree(path, ignore_errors=True)
                leftovers.append(path)
    intent_path.unlink(missing_ok=True)
    done["removed"] = len(leftovers)
    return done


def commit_release(published_dir: Path, tmp: Path, target: Path) -> None:
    """published/<FY> becomes tmp's contents; the old release ends up in tmp or .old."""
    if target.exists() and exchange_dirs(tmp, target):
        fsync_dir(published_dir)
        return
    old = tmp.with_name(tmp.name[: -len(".tmp")] + ".old")
    if target.exists():
        os.rename(target, old)  # a kill now leaves no target: recover() restores .old
    os.rename(tmp, target)
    fsync_dir(published_dir)
