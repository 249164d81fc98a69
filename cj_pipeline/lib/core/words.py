"""Counted words, as receipts' messages and the report packs both write them."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 cell', '2 cells', '1,234 people' (with `many` for an irregular plural)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
