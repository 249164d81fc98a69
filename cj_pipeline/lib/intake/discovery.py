"""Where files wait, and which of them are arrivals: everything under raw/uploads/ and raw/partners/.

Where a file may sit (and is read):
- a local area return: directly in raw/uploads/, or in an area folder raw/uploads/<folder>/
  (the folder must be a GSS code, checked by `folder_area`);
- a partner table: in raw/partners/<source>/.

Every other file under those folders, at any depth (a return in
raw/uploads/S12000042/2024-25/final/, a table loose in raw/partners/), is still an arrival:
it is archived and gets a rejected receipt saying where to put it (`misplaced_file`).
Nothing under the upload folders is silently ignored, except hidden files and folders
(names starting with '.') and Office lock files (~$name.xlsx), which are never submissions.
Linked folders are not walked: a link is one arrival, refused unread (safe_read.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.names import stored_name
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.intake.stable_files import is_candidate_name
from cj_pipeline.settings import Settings


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    relative_path: str  # relative to the data dir (stored_name form), for receipts and the ledger
    kind: str  # PARTNER or RETURN
    source: str | None  # partner source (folder name) or None for returns
    folder: str  # the folder it was dropped in, relative to the data dir (stored_name form)
    misplaced: str | None = None  # where it should have been put, when it sits where files are not read

    @property
    def name(self) -> str:
        """The file name as stored and shown in receipts (undecodable bytes as \\xNN)."""
        return stored_name(self.path.name)


def walk_files(folder: Path) -> list[tuple[Path, int]]:
    """Every candidate file under `folder` at any depth, with its depth (1 = directly in it).
    Hidden and lock files and folders are skipped; linked folders are listed, not walked; a
    folder that cannot be listed is skipped (it holds nothing intake could read)."""
    found: list[tuple[Path, int]] = []

    def walk(directory: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if not is_candidate_name(entry.name):
                continue
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                walk(path, depth + 1)
            else:
                found.append((path, depth))

    if folder.is_dir():
        walk(folder, 1)
    return found


def _received(
    settings: Settings, path: Path, kind: str, source: str | None, misplaced: str | None = None
) -> ReceivedFile:
    relative = stored_name(path.relative_to(settings.data_dir).as_posix())
    folder = stored_name(path.parent.relative_to(settings.data_dir).as_posix())
    return ReceivedFile(path=path, relative_path=relative, kind=kind, source=source, folder=folder, misplaced=misplaced)


def partner_file(settings: Settings, path: Path) -> ReceivedFile:
    """A file under raw/partners/ as intake takes it: a table in raw/partners/<source>/, or an
    arrival to reject with where to put it (anywhere else under raw/partners/)."""
    parts = path.relative_to(settings.partners_dir).parts
    if len(parts) == 2:
        return _received(settings, path, PARTNER, stored_name(parts[0]))
    if len(parts) == 1:
        hint = (
            "Move it into the folder of its source, raw/partners/<source>/ (for example "
            "raw/partners/recorded_crime/), and it is read on the next run."
        )
        return _received(settings, path, PARTNER, None, hint)
    source = stored_name(parts[0])
    hint = f"Move it up into raw/partners/{source}/ itself (files in folders below it are not read)."
    return _received(settings, path, PARTNER, source, hint)


def upload_file(settings: Settings, path: Path) -> ReceivedFile:
    """A file under raw/uploads/ as intake takes it: a return in raw/uploads/ itself or in a
    per-area folder raw/uploads/<GSS code>/, or (deeper down) an arrival to reject with where
    to put it."""
    parts = path.relative_to(settings.uploads_dir).parts
    if len(parts) <= 2:
        return _received(settings, path, RETURN, None)
    area_folder = stored_name(parts[0])
    hint = (
        f"Move it up into raw/uploads/{area_folder}/ (or raw/uploads/ itself); returns in folders "
        "below an area folder are not read."
    )
    return _received(settings, path, RETURN, None, hint)


def received_file(settings: Settings, path: Path) -> ReceivedFile:
    """The arrival intake makes of one file under raw/uploads/ or raw/partners/ (the same as
    the discover_* functions give): what the check on arrival judges."""
    for root, make in ((settings.uploads_dir, upload_file), (settings.partners_dir, partner_file)):
        if path.is_relative_to(root):
            return make(settings, path)
    raise ValueError(f"{stored_name(str(path))} is not under {settings.uploads_dir} or {settings.partners_dir}")


def discover_partner_files(settings: Settings) -> list[ReceivedFile]:
    """Partner tables in raw/partners/<source>/; files anywhere else under raw/partners/ are
    arrivals to reject with where to put them."""
    return [partner_file(settings, path) for path, _depth in walk_files(settings.partners_dir)]


def discover_upload_files(settings: Settings) -> list[ReceivedFile]:
    """Returns in raw/uploads/ itself and in per-area folders raw/uploads/<GSS code>/; files
    deeper down are arrivals to reject with where to put them."""
    return [upload_file(settings, path) for path, _depth in walk_files(settings.uploads_dir)]


def placement_issues(received: ReceivedFile) -> list[Issue]:
    """Why an arrival is refused before it is parsed: it sits where files are not read, or its
    path is not valid UTF-8 (such a name cannot be recorded or shown as it is)."""
    issues = []
    if stored_name(received.path.as_posix()) != received.path.as_posix():
        issues.append(
            Issue(
                ERROR,
                "unsafe_file_name",
                f"The name '{received.relative_path}' is not valid text (UTF-8); the bytes that are not "
                "are shown as \\xNN. The file was archived but not read.",
                "Rename the file (and its folder) using ordinary letters, digits, spaces, '-' and '_', "
                "and send it again.",
            )
        )
    if received.misplaced:
        issues.append(
            Issue(
                ERROR,
                "misplaced_file",
                f"'{received.name}' is in {received.folder}/, where files are not read. Returns are read "
                "in raw/uploads/ or raw/uploads/<GSS code>/; partner tables in raw/partners/<source>/.",
                received.misplaced,
            )
        )
    return issues


def folder_area(received: ReceivedFile, settings: Settings) -> tuple[str | None, list[Issue]]:
    """The area a per-area upload folder stands for (None for the flat folder)."""
    folder = received.path.parent
    if folder.resolve() == settings.uploads_dir.resolve():
        return None, []
    try:
        return normalise_area(folder.name), []
    except CellProblem:
        return None, [
            Issue(
                ERROR,
                "unknown_area_folder",
                f"The upload folder '{stored_name(folder.name)}' is not a local authority's GSS code.",
                "Put returns directly in raw/uploads/ or in raw/uploads/<GSS code>/ (for example S12000036).",
            )
        ]
