"""Disclosure control for publication (the warehouse keeps true values).

Primary suppression: a count of 1 to 4 is published as [c] (docs/domain.md).
Secondary suppression: a published table holds additive relations (Scotland =
sum of areas; a total = sum of its groups). If exactly one member of a relation
is suppressed it can be recovered by subtraction, so another member is
suppressed too: the smallest non-zero published part (a zero protects nothing),
else the total. Repeated until no relation has exactly one unknown, which is
the guarantee `recoverable_cells` checks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

SMALL_COUNT_MIN = 1
SMALL_COUNT_MAX = 4
SUPPRESSED = "[c]"


@dataclass(frozen=True)
class Relation:
    """total == sum(parts), as published side by side."""

    total: Hashable
    parts: tuple[Hashable, ...]


def is_small_count(value: float | None) -> bool:
    return value is not None and SMALL_COUNT_MIN <= value <= SMALL_COUNT_MAX


def primary_suppression(values: Mapping[Hashable, float | None]) -> set[Hashable]:
    return {key for key, value in values.items() if is_small_count(value)}


def _members(relation: Relation) -> tuple[Hashable, ...]:
    return (*relation.parts, relation.total)


def _complement_choice(values, relation: Relation, suppressed: set) -> Hashable | None:
    """The cell to suppress alongside a lone suppressed member of `relation`."""
    candidates = [key for key in relation.parts if key not in suppressed and values.get(key) not in (None, 0)]
    if candidates:
        return min(candidates, key=lambda key: (values[key], str(key)))
    if relation.total not in suppressed and values.get(relation.total) is not None:
        return relation.total
    return None


def suppress(values: Mapping[Hashable, float | None], relations: Iterable[Relation]) -> set[Hashable]:
    """Keys to publish as [c]: primary small counts plus secondary suppression."""
    relations = [r for r in relations if r.total in values]
    suppressed = primary_suppression(values)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            hidden = [key for key in _members(relation) if key in suppressed]
            if len(hidden) == 1:
                choice = _complement_choice(values, relation, suppressed)
                if choice is not None:
                    suppressed.add(choice)
                    changed = True
    return suppressed


def recoverable_cells(
    published: Mapping[Hashable, float | None], suppressed: set[Hashable], relations: Iterable[Relation]
) -> set[Hashable]:
    """Suppressed cells an analyst could get back by subtraction within one relation.

    A relation with exactly one unknown member gives that member away; members
    missing from the publication ([x]) count as unknown too.
    """
    recovered = set()
    for relation in relations:
        unknown = [key for key in _members(relation) if key in suppressed or published.get(key) is None]
        if len(unknown) == 1 and unknown[0] in suppressed:
            recovered.add(unknown[0])
    return recovered
