"""Each area's outbox: outbox/<GSS code>/ beside raw/uploads/<GSS code>/, so the data team can
share the pair with the area (docs/operations.md) and the officer who dropped a file reads its
receipt there.

It holds a copy of every receipt of a file dropped in that area's upload folder (or below it),
under the same names as in receipts/, and the area's status pages (lib/reporting/area_status.py).
Files at the top of raw/uploads/ and partner tables have no outbox: their receipts stay in
receipts/ only. The outbox is output only: the pipeline never reads anything back from it.

A file dropped in one area's folder but whose Cover names another area is that other area's
data: its copy here says so and withholds everything read from the file (`for_outbox`).
"""

from __future__ import annotations

from pathlib import Path

from cj_pipeline.lib.core.areas import normalise_area
from cj_pipeline.lib.core.kinds import RETURN
from cj_pipeline.lib.core.problems import ERROR, CellProblem, Issue
from cj_pipeline.lib.returns.layout import COVER

OUTBOX = "outbox"  # beside raw/ and receipts/ in the data directory
UPLOADS_PREFIX = "raw/uploads/"
WITHHELD_CODE = "wrong_area_folder"
# Keys of a receipt that come from the file's content, withheld from another area's outbox.
_CONTENT_KEYS = ("area_code", "financial_year", "summary", "changes", "replaces_submission_id")


def outbox_root(data_dir: Path) -> Path:
    return data_dir / OUTBOX


def area_of_folder(folder: str) -> str | None:
    """The GSS code whose outbox gets the receipts of a file dropped in `folder` (relative to
    the data dir): raw/uploads/<GSS code>/ or any folder below it. None for raw/uploads/
    itself, partner folders, and upload folders not named by a local authority's GSS code."""
    if not folder.startswith(UPLOADS_PREFIX):
        return None
    name = folder[len(UPLOADS_PREFIX) :].split("/", 1)[0]
    try:
        code = normalise_area(name)
    except CellProblem:
        return None
    return code if code == name and code.startswith("S12") else None


def is_other_areas(receipt: dict, area: str) -> bool:
    """A receipt of a file whose content is another area's (its Cover names another area)."""
    wrong_folder = any(issue.get("code") == WITHHELD_CODE for issue in receipt.get("issues", []))
    named = receipt.get("area_code")
    return wrong_folder or (named is not None and named != area)


def withheld(receipt: dict, area: str) -> dict:
    """The copy of another area's receipt for the folder it was dropped in: what arrived, when
    and the verdict, and why; nothing read from the file (area, year, counts, problems, changes)."""
    kept = {key: value for key, value in receipt.items() if key not in _CONTENT_KEYS}
    issue = Issue(
        ERROR,
        WITHHELD_CODE,
        f"This file was put in the upload folder of {area}, but its Cover names another area. "
        "It was not loaded, and nothing of its content is shown here: it is that area's data.",
        f"If it is {area}'s return, correct the Local authority on its Cover and send it again "
        "here. Otherwise it belongs to another area: delete it from this folder and ask the "
        "data team where to send it.",
        sheet=COVER,
    ).to_dict()
    return {
        **kept,
        "status": "rejected",
        "area_code": None,
        "financial_year": None,
        "issues": [issue],
        "withheld": True,
    }


def for_outbox(receipt: dict) -> tuple[str, dict] | None:
    """Where a receipt's outbox copy goes (GSS code) and what it says; None: no outbox copy."""
    if receipt.get("kind") != RETURN:
        return None
    area = area_of_folder(receipt.get("folder") or "")
    if area is None:
        return None
    return area, (withheld(receipt, area) if is_other_areas(receipt, area) else receipt)
