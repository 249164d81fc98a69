"""What an Excel number format shows for a value, when it shows text instead of the number.

Publishers hide some markers in the number format, not the cell: the cell stores 0
or 0.3 and `[=0]"-";[<0.5]"[low]";#,##0""` makes Excel show `-` or `[low]`. Reading
only the stored value would lose the marker, so the section of the format that
applies to the value is chosen as Excel chooses it, and if that section shows only
literal text (no digit placeholder) the text is returned.
"""

from __future__ import annotations

import operator
import re

_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d+)?)\]")
_COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "<>": operator.ne,
}
# Characters that make a section show the number (or a date, or the text itself).
_PLACEHOLDERS = set("0#?@eEyYmMdDhHsS")


def split_sections(fmt: str) -> list[str]:
    """Sections separated by ';' outside quotes and escapes."""
    sections, current, quoted, i = [], [], False, 0
    while i < len(fmt):
        char = fmt[i]
        if char == "\\" and not quoted and i + 1 < len(fmt):
            current.append(fmt[i : i + 2])
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    sections.append("".join(current))
    return sections


def _condition(section: str):
    match = _CONDITION.match(section)
    if not match:
        return None
    compare, limit = _COMPARE[match.group(1)], float(match.group(2))
    return lambda value: compare(value, limit)


def section_for(fmt: str, value: float) -> str:
    """The section Excel uses to show `value`."""
    sections = split_sections(fmt)
    conditions = [_condition(s) for s in sections[:2]]
    if any(conditions):
        for section, condition in zip(sections, conditions, strict=False):
            if condition is not None and condition(value):
                return section
        rest = [s for s, c in zip(sections, conditions + [None] * len(sections), strict=False) if c is None]
        return rest[0] if rest else sections[-1]
    if value < 0 and len(sections) >= 2:
        return sections[1]
    if value == 0 and len(sections) >= 3:
        return sections[2]
    return sections[0]


def literal_text(section: str) -> str | None:
    """The text a section shows if it is literal only; None when it shows the number."""
    shown: list[str] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            shown.append(section[i + 1 : end])
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            shown.append(section[i + 1])
            i += 2
        elif char in "_*" and i + 1 < len(section):  # padding and fill characters show nothing of note
            i += 2
        elif char == "[":  # colour or condition
            end = section.find("]", i)
            i = len(section) if end < 0 else end + 1
        elif char in _PLACEHOLDERS or section[i:].lower().startswith("general"):
            return None
        else:
            shown.append(char)
            i += 1
    return "".join(shown)


def displayed_marker_text(fmt: str | None, value: float) -> str | None:
    """Literal text the format shows for `value` instead of the number, stripped; else None."""
    if not fmt or fmt.lower() == "general" or ('"' not in fmt and "\\" not in fmt and "-" not in fmt):
        return None
    text = literal_text(section_for(fmt, value))
    return text.strip() or None if text is not None else None
