"""Reading an arrival's bytes without trusting it: no links out of the data folder, no
hard links (a second name for a file that may live anywhere on the same disk), no devices
or FIFOs, never more than the size limit."""

from __future__ import annotations

import os
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
                f"'{received.name}' is a link to a location outside the data folder (or a link "
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
        if target.st_nlink > 1:
            return b"", [_hard_link_issue(received)]
        with open(received.path, "rb") as handle:
            # Checked again on the open file: a link made between stat and open is refused too.
            if os.fstat(handle.fileno()).st_nlink > 1:
                return b"", [_hard_link_issue(received)]
            data = handle.read(settings.max_file_bytes + 1)
    except OSError:
        return b"", [
            Issue(
                ERROR,
                "unreadable_file",
                f"'{received.name}' is not a readable file (a folder, a device, or a link to "
                "something that is missing); it was not read.",
                "Copy the file itself into the upload folder and send it again.",
            )
        ]
    if len(data) > settings.max_file_bytes:
        return b"", [
            Issue(
                ERROR,
                "file_too_large",
                f"'{received.name}' is more than {settings.max_file_bytes:,} bytes, the limit; it was not read.",
                "Remove unused sheets or images, or ask the CJS data team to raise CJ_MAX_FILE_BYTES.",
            )
        ]
    return data, []


def _hard_link_issue(received: ReceivedFile) -> Issue:
    """A file with more than one link is another name for a file that may sit anywhere on the
    disk (outside the data folder too): like a symlink, it is refused without being read."""
    return Issue(
        ERROR,
        "hard_link",
        f"'{received.name}' is a hard link (the same file also has another name elsewhere on the disk); "
        "it was not read.",
        "Copy the file itself into the upload folder instead of linking to it.",
    )
