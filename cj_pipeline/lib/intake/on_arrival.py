"""The check on arrival: a receipt seconds after a file stops changing, before the run.

The sensor that sees a file become stable calls `check_on_arrival` in its own (already
running) process; the run it requests loads the file into the warehouse later and writes the
final receipt over this one. The check is intake's own, in the same order of work:
1. read the bytes once (`batch.read_arrival`: the same safe read, size, mtime, sha256 and event
   id as the run); 2. archive them (content-addressed and idempotent: every file received is
   archived before it is parsed); 3. note the receipt's name (receipts.write_note), so the run
   writes its receipt under the same name; 4. judge them with the run's code (`batch.judge`:
   the refusals before parsing, then the parsers of intake/parsers.py); 5. write the receipt,
   JSON and text, marked `"stage": "checked_on_arrival"`.

It never opens the warehouse (the run holds the single writer). What it cannot know yet is
left to the run: whether these bytes were already accepted in the same place (a duplicate)
and what changed against the previous version; the ledger line is the run's too (an object
archived here and named by no ledger line yet is not an archive problem, rebuild.check_archive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.lib.intake import archive, receipts
from cj_pipeline.lib.intake.batch import judge, now_utc, read_arrival, receipt_of
from cj_pipeline.lib.intake.discovery import received_file
from cj_pipeline.lib.intake.parsers import PARSERS, Parser
from cj_pipeline.settings import Settings


@dataclass(frozen=True)
class CheckedOnArrival:
    """What the check on arrival found; `receipt` is None when it wrote no receipt (this
    arrival was already checked, or a run's receipt was there first)."""

    event_id: str
    sha256: str
    status: str | None
    receipt: Path | None


def check_on_arrival(
    settings: Settings, path: Path, parsers: dict[str, Parser] | None = None
) -> CheckedOnArrival | None:
    """Archive, check and give a receipt to one file under raw/uploads/ or raw/partners/,
    without the warehouse. None when the file is gone."""
    received = received_file(settings, path)
    read = read_arrival(settings, received)
    if read is None:
        return None
    if receipts.read_note(settings.receipts_dir, read.event_id) is not None:  # a tick looked twice
        return CheckedOnArrival(read.event_id, read.sha256, None, None)
    if not read.read_issues:
        archive.store_object(settings.archive_dir, read.data, read.sha256)  # before anything parses it
    arrival = read.as_arrival(now_utc())
    stem = receipts.receipt_stem(arrival.received_at, read.sha256, received.name, read.event_id)
    receipts.write_note(
        settings.receipts_dir,
        {
            "event_id": read.event_id,
            "received_at": arrival.received_at,
            "stem": stem,
            "path": path.relative_to(settings.data_dir).as_posix(),
            "size_bytes": read.size_bytes,
            "mtime_ns": read.mtime_ns,
        },
    )
    outcome = judge(parsers or PARSERS, received, read.data, read.refused, settings)
    # Whether it is a duplicate, and its submission id, are the run's to say.
    receipt = {**receipt_of(arrival, outcome, None, None), "stage": receipts.CHECKED_ON_ARRIVAL}
    written = receipts.write_receipt(settings.receipts_dir, receipt, replace=False)
    if written is not None and receipts.read_note(settings.receipts_dir, read.event_id) is None:
        # A run recorded this arrival meanwhile, under its own name: its receipt is the one.
        _remove_if_on_arrival(settings.receipts_dir, stem)
        written = None
    return CheckedOnArrival(read.event_id, read.sha256, outcome.status, written)


def arrival_sha256(settings: Settings, path: Path) -> str | None:
    """The sha256 intake gives a file's arrival (of the bytes it would read), without checking
    or archiving it; None when the file is gone."""
    read = read_arrival(settings, received_file(settings, path))
    return read and read.sha256


def _remove_if_on_arrival(receipts_dir: Path, stem: str) -> None:
    try:
        stage = json.loads((receipts_dir / f"{stem}.json").read_text(encoding="utf-8")).get("stage")
    except (FileNotFoundError, ValueError):
        return
    if stage == receipts.CHECKED_ON_ARRIVAL:
        receipts.remove_receipt(receipts_dir, stem)
