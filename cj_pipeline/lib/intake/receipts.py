"""Receipts: what happened to each received file, as JSON and as plain text.

The JSON follows docs/data-contract.md section 6 ({file, sha256, status, area_code,
financial_year, issues[...]}) plus what the CJS team needs to trace it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from cj_pipeline.lib.core.problems import ERROR, WARNING
from cj_pipeline.lib.intake.changes import render_changes

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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


def render_text(receipt: dict) -> str:
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


def visible(text: str) -> str:
    """Text safe to show in a terminal or editor: control and format characters (escape
    sequences, right-to-left overrides, lone surrogates from undecodable file names) are
    written as \\uXXXX, so a file name cannot rewrite or disguise the receipt around it."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def stem_of(receipt: dict) -> str:
    return receipt_stem(receipt["received_at"], receipt["sha256"], receipt["file"], receipt.get("event_id"))


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_receipt(receipts_dir: Path, receipt: dict) -> Path:
    """Write <stem>.json and <stem>.txt; returns the JSON path."""
    receipts_dir.mkdir(parents=True, exist_ok=True)
    stem = stem_of(receipt)
    json_path = receipts_dir / f"{stem}.json"
    _atomic_write(json_path, json.dumps(receipt, indent=2, sort_keys=False) + "\n")
    _atomic_write(receipts_dir / f"{stem}.txt", render_text(receipt))
    return json_path
