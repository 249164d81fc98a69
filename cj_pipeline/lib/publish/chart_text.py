"""How wide a chart's text is drawn in the packs' embedded font (Noto Sans, fonts/).

The pack charts are laid out here, not in the browser, so every label needs its width
before it is drawn: each character's advance width is read once from the TrueType file
the packs embed (its `cmap` and `hmtx` tables), so the room left for a label is the room
the browser takes. Kerning is ignored (it only narrows Latin text); a character outside
the font's subset counts as a full em, the widest a fallback font draws it.
"""

from __future__ import annotations

import struct
from functools import cache
from importlib import resources

FONT_FILES = {False: "NotoSans-Regular.ttf", True: "NotoSans-Bold.ttf"}


def _tables(data: bytes) -> dict[str, bytes]:
    (count,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = data[offset : offset + length]
    return tables


def _cmap(table: bytes) -> dict[int, int]:
    """Code point -> glyph, from the Unicode BMP subtable (format 4) the font carries."""
    (count,) = struct.unpack_from(">H", table, 2)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * i)
        if (platform, encoding) in ((3, 1), (0, 3), (0, 4)) and struct.unpack_from(">H", table, offset)[0] == 4:
            return _cmap_format4(table, offset)
    raise ValueError("the font has no Unicode (format 4) character map")


def _cmap_format4(table: bytes, at: int) -> dict[int, int]:
    segments = struct.unpack_from(">H", table, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", table, at + 14)
    starts = struct.unpack_from(f">{segments}H", table, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", table, at + 16 + 4 * segments)
    ranges_at = at + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", table, ranges_at)
    glyphs = {}
    for s, (start, end, delta, range_offset) in enumerate(zip(starts, ends, deltas, range_offsets, strict=True)):
        for code in range(start, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                where = ranges_at + 2 * s + range_offset + 2 * (code - start)
                glyph = struct.unpack_from(">H", table, where)[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                glyphs[code] = glyph
    return glyphs


@cache
def advances(bold: bool = False) -> tuple[dict[str, float], float]:
    """Each character's advance width in ems, and the width given to a character the font lacks."""
    data = (resources.files("cj_pipeline.lib.publish") / "fonts" / FONT_FILES[bold]).read_bytes()
    tables = _tables(data)
    (units_per_em,) = struct.unpack_from(">H", tables["head"], 18)
    (metrics,) = struct.unpack_from(">H", tables["hhea"], 34)
    widths = struct.unpack_from(f">{2 * metrics}H", tables["hmtx"])[::2]
    return {
        chr(code): widths[min(glyph, metrics - 1)] / units_per_em for code, glyph in _cmap(tables["cmap"]).items()
    }, 1.0


def width(text: str, size: float, bold: bool = False) -> float:
    """Pixels `text` takes at font size `size` (px) in Noto Sans."""
    table, missing = advances(bold)
    return size * sum(table.get(ch, missing) for ch in text)
