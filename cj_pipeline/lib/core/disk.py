"""Disk full (ENOSPC, or a quota: EDQUOT): recognised wherever it surfaces, told in one line.

Intake, dbt and publish already lose nothing when the disk fills (archive objects and
receipts are written to a temporary name and renamed, warehouse batches are transactions,
a release is built in a temporary folder and swapped in), so what a person needs is what
happened and what to do, not a stack trace. The CLI prints `disk_full_paragraph` as one line.
"""

from __future__ import annotations

import errno
from pathlib import Path

_MARKERS = ("No space left on device", "Disk quota exceeded", "[Errno 28]", "[Errno 122]")


def is_disk_full(error: BaseException | str | None) -> bool:
    """An OSError ENOSPC/EDQUOT anywhere in the exception chain, or an error text (DuckDB's,
    dbt's, a failed Dagster step's message) saying so."""
    seen = set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(marker in str(error) for marker in _MARKERS):
            return True
        error = error.__cause__ or error.__context__
    return isinstance(error, str) and any(marker in error for marker in _MARKERS)


def disk_full_paragraph(data_dir: Path, doing: str) -> str:
    """One line: which folder, that its disk is full, that nothing was lost, what to do."""
    return (
        f"The disk holding {data_dir} is full (no space left on device), so {doing} stopped. Nothing "
        "received or published was lost or half-written. Free some space there (`df -h` shows it) and "
        "run the same command again: it carries on from where it stopped."
    )
