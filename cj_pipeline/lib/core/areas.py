"""Turn whatever an area is called in a file into its current GSS code.

Return-spec section 1: codes, names and aliases in any case and spacing, a
trailing " Council", retired codes mapped to current ones. Anything else fails
loudly with the closest match, never silently dropped.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache

from cj_pipeline.lib.core.problems import CellProblem
from cj_pipeline.lib.core.seeds import read_seed

_TRAILING_COUNCIL = re.compile(r"\s+council$")


def _key(text: str) -> str:
    """Comparison key: NFKC, case-folded, single spaces, no trailing ' Council'."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = " ".join(folded.split())
    return _TRAILING_COUNCIL.sub("", folded)


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in read_seed("areas"):
        code = row["area_code"]
        table[_key(code)] = code
        table[_key(row["area_name"])] = code
        for retired in filter(None, row["retired_codes"].split(";")):
            table[_key(retired)] = code
    for row in read_seed("area_aliases"):
        table[_key(row["alias"])] = row["area_code"]
    return table


@cache
def _suggestion_names() -> tuple[str, ...]:
    names = [row["area_name"] for row in read_seed("areas")]
    names += [row["alias"] for row in read_seed("area_aliases")]
    return tuple(names)


def closest_area(text: str) -> str | None:
    """The official name or alias most like `text`, if any is reasonably close."""
    by_key = {_key(name): name for name in _suggestion_names()}
    match = difflib.get_close_matches(_key(text), list(by_key), n=1, cutoff=0.5)
    return by_key[match[0]] if match else None


def normalise_area(raw: object) -> str:
    """GSS code for a code, name or alias; raises CellProblem naming the value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise CellProblem(
            "missing_area",
            "The area is empty.",
            "Enter the local authority name or its GSS code (for example Fife or S12000047).",
        )
    text = str(raw)
    code = _lookup().get(_key(text))
    if code is not None:
        return code
    suggestion = closest_area(text)
    hint = f" Did you mean '{suggestion}'?" if suggestion else ""
    raise CellProblem(
        "unknown_area",
        f"'{text}' is not a Scottish local authority we recognise.{hint}",
        "Use the council's name as listed in the Guidance sheet, or its GSS code (S12000...). Scotland is S92000003.",
    )
