"""Reading an arrival's bytes without trusting it: no links out of the data folder, no
devices or FIFOs, never more than the size limit."""

from __future__ import annotations

import stat as stat_module
from pathlib import Path

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.intake.discovery import ReceivedFile
from cj_pipeline.settings import Settings


def _outside_data_dir(settings: Settings, path: Path) -> bool:
    try:
        path.resolve().relative_to(settings.data_dir.resolve())
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop
        return True
    return False


def read_safely(settings: Settings, received: ReceivedFile) -> tuple[bytes, list[Issue]]:
    """The bytes to archive, or none with an issue when the file must not be read."""
    if _outside_data_dir(settings, received.path):
        return b"", [
            Issue(
                ERROR,
                "link_outside_data_dir",
                f"'{received.path.name}' is a link to a location outside the data folder (or a link "
                "that loops); it was not read.",
                "Copy the file itself into the upload folder instead of linking to it.",
            )
        ]
    # Never open what is not a plain file (a FIFO would block, a device never end), and
    # never read more than the limit: larger files are rejected unread.
    try:
        target = received.path.stat()
        if not stat_module.S_ISREG(target.st_mode):
            raise IsADirectoryError
        with open(received.path, "rb") as handle:
            data = handle.read(settings.max_file_bytes + 1)
    except OSError:
        return b"", [
            Issue(
                ERROR,
                "unreadable_file",
                f"'{received.path.name}' is not a readable file (a folder, a device, or a link to "
                "something that is missing); it was not read.",
                "Copy the file itself into the upload folder and send it again.",
            )
        ]
    if len(data) > settings.max_file_bytes:
        return b"", [
            Issue(
                ERROR,
                "file_too_large",
                f"'{received.path.name}' is more than {settings.max_file_bytes:,} bytes, the limit; it was not read.",
                "Remove unused sheets or images, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
            )
        ]
    return data, []
