"""A real full disk for the CLI: run inside `unshare -Urm` (a private mount namespace), it mounts
a tmpfs as the data folder, fills it, and runs `cj-pipeline` as a person would.

    unshare -Urm python -m tests.hostile.disk_full_driver SOURCE_DATA MOUNT UPLOAD YEAR OUT.json

The built data folder SOURCE_DATA is copied onto the tmpfs at MOUNT. Then, each step on a disk
filled to the last byte and repeated after the space is freed: `run --full` (the dbt build),
`run` with UPLOAD waiting (intake), `run` again with space (a stale archive temporary of a dead
process waiting to be swept), `publish` and `publish` again. What each step printed, its exit
code and what it left behind are written to OUT.json for the test to judge (the tmpfs goes with
the namespace). No Dagster import here (seconds): the test reads the steps that failed from
$DAGSTER_HOME, which is off the tmpfs.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.copies import copy_data_dir

CLI = str(Path(sys.executable).parent / "cj-pipeline")
DEAD_PID = 4_194_303  # above Linux's pid_max default: no live process has it


def fill(mount: Path) -> None:
    """Take every free byte of the tmpfs (a filler file), as a full disk has none left."""
    # statvfs can count a few blocks the filler's own metadata then takes: a first try that
    # finds the disk full already did the job; the blocks it could not take are topped up.
    stats = os.statvfs(mount)
    free = stats.f_bavail * stats.f_frsize
    with open(mount / "filler", "wb") as handle:
        for size in (free, free - 64 * stats.f_frsize):
            try:
                if size > 0:
                    os.posix_fallocate(handle.fileno(), 0, size)
                break
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


def free_space(mount: Path) -> None:
    (mount / "filler").unlink(missing_ok=True)


def cli(data: Path, *args: str) -> dict:
    """What the step printed, its exit code and when it ran (epoch seconds: the test finds the
    step's runs in $DAGSTER_HOME, off the full disk, by their start time)."""
    started, wall = time.monotonic(), time.time()
    done = subprocess.run([CLI, *args, "--data-dir", str(data)], capture_output=True, text=True, timeout=900)
    seconds = round(time.monotonic() - started, 1)
    return {"rc": done.returncode, "out": done.stdout + done.stderr, "seconds": seconds, "ran": [wall, time.time()]}


def temporaries(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "archive" / "objects").glob("*/.*.tmp"))


def main(source: Path, mount: Path, upload: Path, year: str, out: Path) -> None:
    size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) * 3 + 256 * 2**20
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
    data = mount / "data"
    copy_data_dir(source, data)
    results: dict[str, dict] = {}

    fill(mount)
    results["dbt"] = cli(data, "run", "--full")
    free_space(mount)
    out.write_text(json.dumps(results), encoding="utf-8")  # so far, should a later step break

    waiting = data / "raw" / "uploads" / upload.parent.name / upload.name
    waiting.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(upload, waiting)
    fill(mount)
    results["intake"] = cli(data, "run") | {"temporaries": temporaries(data), "waiting": waiting.exists()}
    free_space(mount)

    stale = data / "archive" / "objects" / "00" / f".{'0' * 64}.{DEAD_PID}.tmp"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"half an object")
    results["rerun"] = cli(data, "run") | {"temporaries": temporaries(data), "waiting": waiting.exists()}

    fill(mount)
    results["publish"] = cli(data, "publish", "--year", year)
    results["publish"]["hidden"] = sorted(p.name for p in (data / "published").glob(f".{year}*"))
    free_space(mount)
    results["republish"] = cli(data, "publish", "--year", year)
    results["republish"]["release"] = (data / "published" / year / "release.json").exists()
    out.write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], Path(sys.argv[5]))
