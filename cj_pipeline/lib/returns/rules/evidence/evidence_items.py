"""Every item of the local evidence catalogue appears exactly once (and nothing else)."""

from __future__ import annotations

from functools import cache

from cj_pipeline.lib.core.problems import ERROR, Issue
from cj_pipeline.lib.core.seeds import evidence_catalogue
from cj_pipeline.lib.returns.layout import EVIDENCE
from cj_pipeline.lib.returns.reader import ReturnFile
from cj_pipeline.lib.returns.rules._helpers import each_id_once

CODE = "evidence_item_missing"
CODES = ("evidence_item_missing", "evidence_item_duplicated", "evidence_item_unknown")
SEVERITY = ERROR
STAGE = "content"
CHECKS = "Local evidence lists every catalogue item (LE1.1 ... LE9.2) exactly once and no other ID."
_GUIDANCE = "Keep the template's rows: one row per Evidence ID, as listed in the Guidance sheet."


@cache
def _catalogue_ids() -> tuple[str, ...]:
    # The catalogue is a seed, fixed for the life of the process.
    return tuple(item["evidence_id"] for item in evidence_catalogue())


def check(ret: ReturnFile) -> list[Issue]:
    return each_id_once(
        ret,
        EVIDENCE,
        "Evidence ID",
        _catalogue_ids(),
        codes=CODES,
        texts=(
            "'{id}' is not an Evidence ID in the catalogue.",
            "A row has values but no Evidence ID.",
            "Evidence ID '{id}' appears {count} times; give it once.",
            "Evidence ID '{id}' is missing from the sheet.",
        ),
        severity=SEVERITY,
        guidance=_GUIDANCE,
    )
