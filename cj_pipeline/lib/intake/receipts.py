"""Receipts: what happened to each received file, as JSON and as plain text.

The JSON follows docs/data-contract.md section 6 ({file, sha256, status, area_code,
financial_year, issues[...]}) plus what the CJS team needs to trace it.

One receipt per arrival, written in up to two steps under the same name: the sensor checks a
file as soon as it stops changing and writes a receipt on arrival (`"stage":
"checked_on_arrival"`, intake/on_arrival.py); the run that loads the file into the warehouse
then writes its receipt over it (no `stage`). The name of a receipt on arrival is kept in a
note, receipts/.checked_on_arrival/<event id>.json, so the run gives its receipt the same
name (same arrival time) and the officer never finds two receipts for one drop.

A receipt of a file in an area's upload folder is also copied to that area's outbox,
outbox/<GSS code>/, under the same name (intake/outbox.py says what goes where).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from cj_pipeline.lib.core.atomic import write_all, write_atomic, write_text_atomic
from cj_pipeline.lib.core.names import visible
from cj_pipeline.lib.core.problems import ERROR, WARNING
from cj_pipeline.lib.intake import outbox
from cj_pipeline.lib.intake.changes import render_changes

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

# `stage` of a receipt written before the run: the check on arrival, and (should the file change
# or go before a run read it) a check on arrival whose bytes were never loaded.
CHECKED_ON_ARRIVAL = "checked_on_arrival"
NOT_LOADED = "checked_on_arrival_not_loaded"
NOTES_DIR = ".checked_on_arrival"  # under receipts/: one note per receipt on arrival not yet replaced
_STAGE_LINES = {
    CHECKED_ON_ARRIVAL: [
        "Stage:     CHECKED ON ARRIVAL. A run loads the file into the warehouse next and then",
        "           replaces this receipt; it also says whether these bytes were received before",
        "           and what changed against the previous version.",
    ],
    NOT_LOADED: [
        "Stage:     CHECKED ON ARRIVAL, NOT LOADED: the file changed or was removed before a run",
        "           read it, so these bytes were not loaded. A later version has its own receipt.",
    ],
}

# A rejected file is never loaded: its receipt on arrival says what to do now.
_REJECTED_ON_ARRIVAL = [
    "Stage:     CHECKED ON ARRIVAL. This file cannot be loaded as it is: put right the problems",
    "           below and drop the corrected copy. A run records this file shortly and",
    "           replaces this receipt with the same verdict.",
]


def _stage_lines(receipt: dict) -> list[str]:
    if receipt.get("stage") == CHECKED_ON_ARRIVAL and receipt.get("status") == "rejected":
        return _REJECTED_ON_ARRIVAL
    return _STAGE_LINES.get(receipt.get("stage") or "", [])


def receipt_stem(received_at: str, sha256: str, file_name: str, event_id: str | None = None) -> str:
    """A file-system-safe name for one arrival's receipt, unique per arrival: it carries the
    arrival's event id (path, size, mtime and content), so two arrivals of the same name and
    bytes in one second (two folders) never share a receipt. Receipts written before event
    ids were part of the receipt keep their old name (sha256 prefix)."""
    stamp = re.sub(r"[^0-9T]", "", received_at)[:15]
    if event_id:
        sha256 = f"{event_id[:16]}{sha256[:4]}"
    name = Path(file_name).name
    safe = _UNSAFE.sub("_", name)[:80].strip("._") or "file"
    if safe != name:  # names differing only in unsafe characters must not share a receipt
        safe += "_" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return f"{stamp}_{sha256[:12]}_{safe}"


def receipt_text(receipt: dict) -> str:
    """The human-readable receipt: a verdict line, then one line per problem."""
    issues = receipt.get("issues", [])
    errors = [i for i in issues if i["severity"] == ERROR]
    warnings = [i for i in issues if i["severity"] == WARNING]
    verdict = receipt["status"].upper()
    if receipt.get("duplicate_of"):
        verdict = "DUPLICATE (already received; nothing changed)"
    lines = [
        f"File:      {receipt['file']}",
        f"SHA-256:   {receipt['sha256']}",
        f"Received:  {receipt.get('received_at', '')}",
        f"Result:    {verdict}",
        *_stage_lines(receipt),
    ]
    if receipt.get("area_code") or receipt.get("financial_year"):
        lines.append(f"Area/year: {receipt.get('area_code') or '?'} {receipt.get('financial_year') or '?'}")
    for key, value in (receipt.get("summary") or {}).items():
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    lines.append(f"Problems:  {len(errors)} error(s), {len(warnings)} warning(s)")
    for issue in issues:
        where = " ".join(filter(None, [issue.get("sheet") and f"sheet '{issue['sheet']}'", issue.get("cell")]))
        lines.append(f"- {issue['severity'].upper()} [{issue['code']}] {where or 'file'}: {issue['message']}")
        lines.append(f"    What to do: {issue['guidance']}")
    lines += render_changes(receipt)
    return "\n".join(visible(line) for line in lines) + "\n"


def stem_of(receipt: dict) -> str:
    return receipt_stem(receipt["received_at"], receipt["sha256"], receipt["file"], receipt.get("event_id"))


def write_receipt(receipts_dir: Path, receipt: dict, replace: bool = True) -> Path | None:
    """Write <stem>.json and <stem>.txt (and the area's outbox copy); returns the JSON path. With
    replace=False (the receipt on arrival) nothing is written over a receipt already there, so
    a run that wrote its receipt first keeps it; then None is returned."""
    files = receipt_files(receipts_dir, receipt)
    _make_folders(files)
    if not write_atomic(*files[0], replace=replace):
        return None
    for path, text in files[1:]:
        write_atomic(path, text, replace=replace)
    return files[0][0]


def write_receipts(receipts_dir: Path, receipts: list[dict]) -> None:
    """`write_receipt` for a run's batch of receipts at once (core/atomic.write_all): each file
    still durable before its name appears, the fsyncs of the batch overlapping."""
    write_all([file for receipt in receipts for file in receipt_files(receipts_dir, receipt)])


def _make_folders(files: list[tuple[Path, str]]) -> None:
    for folder in {path.parent for path, _ in files}:  # once each, not once per file
        folder.mkdir(parents=True, exist_ok=True)


def receipt_files(receipts_dir: Path, receipt: dict) -> list[tuple[Path, str]]:
    """(path, text) of every file of one receipt, JSON first: <stem>.json and <stem>.txt in
    receipts/, then the area's copies in outbox/<area>/ (receipts/ and outbox/ are both in the
    data dir)."""
    stem = stem_of(receipt)
    files = [
        (receipts_dir / f"{stem}.json", json.dumps(receipt, indent=2, sort_keys=False) + "\n"),
        (receipts_dir / f"{stem}.txt", receipt_text(receipt)),
    ]
    return files + _outbox_files(receipts_dir, receipt, stem)


def _outbox_files(receipts_dir: Path, receipt: dict, stem: str) -> list[tuple[Path, str]]:
    """The area's copy of a receipt, as (path, text); none for a receipt no area gets."""
    destination = outbox.for_outbox(receipt)
    if destination is None:
        return []
    area, copy = destination
    folder = outbox.outbox_root(receipts_dir.parent) / area
    return [
        (folder / f"{stem}.json", json.dumps(copy, indent=2, sort_keys=False) + "\n"),
        (folder / f"{stem}.txt", receipt_text(copy)),
    ]


def restore_if_missing(receipts_dir: Path, receipt: dict) -> bool:
    """Write back a receipt, or only its area's outbox copy, that a crash lost after the
    warehouse recorded it (the two are written one after the other); True if anything was."""
    stem = stem_of(receipt)
    if not (receipts_dir / f"{stem}.json").exists():
        write_receipt(receipts_dir, receipt)
        return True
    files = _outbox_files(receipts_dir, receipt, stem)  # the copy's JSON first, as every receipt's
    if not files or files[0][0].exists():
        return False
    write_all(files)
    return True


def remove_receipt(receipts_dir: Path, stem: str) -> None:
    folders = [receipts_dir]
    root = outbox.outbox_root(receipts_dir.parent)
    if root.is_dir():
        folders += [folder for folder in root.iterdir() if folder.is_dir()]
    for folder in folders:
        for suffix in (".json", ".txt"):
            (folder / f"{stem}{suffix}").unlink(missing_ok=True)


# --- notes of receipts written on arrival, until the run replaces them ----------------------


def _note_path(receipts_dir: Path, event_id: str) -> Path:
    return receipts_dir / NOTES_DIR / f"{event_id}.json"


def write_note(receipts_dir: Path, note: dict) -> None:
    """Record a receipt on arrival: {event_id, received_at, stem, path (relative to the data
    dir, as on disk), size_bytes, mtime_ns}. Written before the receipt itself."""
    path = _note_path(receipts_dir, note["event_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(note))  # ASCII: a name that is not UTF-8 is kept as \udcxx


def read_note(receipts_dir: Path, event_id: str) -> dict | None:
    try:
        return json.loads(_note_path(receipts_dir, event_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def all_notes(receipts_dir: Path) -> list[dict]:
    """Every receipt on arrival not yet replaced by a run's (a handful at most)."""
    folder = receipts_dir / NOTES_DIR
    if not folder.is_dir():
        return []
    notes = []
    for path in sorted(folder.glob("*.json")):
        try:
            notes.append(json.loads(path.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            continue
    return notes


def clear_note(receipts_dir: Path, event_id: str) -> None:
    _note_path(receipts_dir, event_id).unlink(missing_ok=True)
