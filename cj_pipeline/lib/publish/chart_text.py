"""How wide a chart's text is drawn in the packs' embedded font (Noto Sans, fonts/).

The pack charts are laid out here, not in the browser, so every label needs its width
before it is drawn: each character's advance width is read once from the TrueType file
the packs embed (fontTools: its character map and horizontal metrics), so the room left
for a label is the room the browser takes. Kerning is ignored (it only narrows Latin
text); a character outside the font's subset counts as a full em, the widest a fallback
font draws it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fontTools.ttLib import TTFont

FONT_FILES = {False: "NotoSans-Regular.ttf", True: "NotoSans-Bold.ttf"}


@cache
def advances(bold: bool = False) -> tuple[dict[str, float], float]:
    """Each character's advance width in ems, and the width given to a character the font lacks."""
    with resources.as_file(resources.files("cj_pipeline.lib.publish") / "fonts" / FONT_FILES[bold]) as path:
        font = TTFont(path, lazy=True)
        units_per_em = font["head"].unitsPerEm  # pyright: ignore[reportAttributeAccessIssue]: set when the table is read
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        if cmap is None:
            raise ValueError(f"{FONT_FILES[bold]} has no Unicode character map")
        widths = {chr(code): metrics[glyph][0] / units_per_em for code, glyph in cmap.items()}
    return widths, 1.0


def width(text: str, size: float, bold: bool = False) -> float:
    """Pixels `text` takes at font size `size` (px) in Noto Sans."""
    table, missing = advances(bold)
    return size * sum(table.get(ch, missing) for ch in text)
