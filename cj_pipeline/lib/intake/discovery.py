"""Where files wait, and which of them are arrivals: raw/uploads/ and raw/partners/<source>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.kinds import PARTNER, RETURN
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.settings import Settings


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    relative_path: str  # relative to the data dir, for receipts and the ledger
    kind: str  # PARTNER or RETURN
    source: str | None  # partner source (folder name) or None for returns
    folder: str  # the folder it was dropped in, relative to the data dir


def _is_candidate(path: Path) -> bool:
    """Skip folders, hidden files and Office lock files (~$name.xlsx)."""
    name = path.name
    return not (name.startswith(".") or name.startswith("~$")) and (path.is_file() or path.is_symlink())


def discover_partner_files(settings: Settings) -> list[ReceivedFile]:
    found = []
    if not settings.partners_dir.exists():
        return found
    for source_dir in sorted(p for p in settings.partners_dir.iterdir() if p.is_dir()):
        for path in sorted(source_dir.iterdir()):
            if _is_candidate(path):
                found.append(_received(settings, path, PARTNER, source_dir.name))
    return found


def _received(settings: Settings, path: Path, kind: str, source: str | None) -> ReceivedFile:
    relative = path.relative_to(settings.data_dir).as_posix()
    folder = path.parent.relative_to(settings.data_dir).as_posix()
    return ReceivedFile(path=path, relative_path=relative, kind=kind, source=source, folder=folder)


def discover_upload_files(settings: Settings) -> list[ReceivedFile]:
    """Returns waiting in raw/uploads/ itself and in per-area folders raw/uploads/<GSS code>/."""
    found = []
    if not settings.uploads_dir.exists():
        return found
    for path in sorted(settings.uploads_dir.iterdir()):
        # A linked folder is not walked (the sensor does not walk it either): it is one
        # arrival, refused unread as not a plain file.
        if path.is_dir() and not path.is_symlink() and not path.name.startswith("."):
            found += [_received(settings, p, RETURN, None) for p in sorted(path.iterdir()) if _is_candidate(p)]
        elif _is_candidate(path):
            found.append(_received(settings, path, RETURN, None))
    return found


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
                f"The upload folder '{folder.name}' is not a local authority's GSS code.",
                "Put returns directly in raw/uploads/ or in raw/uploads/<GSS code>/ (for example S12000036).",
            )
        ]
