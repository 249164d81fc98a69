"""What the publication gate will wait for, said at validation time.

`marts.fct_evidence_completeness` (the gate's `missing_local_evidence` check) counts an
item as missing when an evidence Status is blank or 'Not known', when Actions taken is
blank, or when Progress is blank for an outcome assessed Not achieved. A return with
such gaps is accepted (the completeness report exists to show them), but publication
of the year waits for them; `validate` says so at the cell, with one code
(`publication_waits`) and the gate's own words for the item, so the receipt and the
gate's list can be compared line for line.
"""

from __future__ import annotations

from cj_pipeline.lib.core.problems import WARNING, Issue
from cj_pipeline.lib.returns.reader import Cell
from cj_pipeline.lib.returns.rules._helpers import issue

CODE = "publication_waits"


def waits(cell: Cell, item: str, why: str, guidance: str) -> Issue:
    """A warning at `cell`: accepted, but publication waits for `item` (the gate's label)."""
    return issue(
        WARNING,
        CODE,
        cell,
        f"{item}: {why}. The return is accepted, but publication of the year will wait for it.",
        guidance,
    )


def item_of(message: str) -> str:
    """The gate's label of the item a `publication_waits` message is about."""
    return message.split(": ", 1)[0]
