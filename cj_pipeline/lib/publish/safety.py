"""Text that came from returns must never become a formula or markup.

- Spreadsheet and CSV: a string starting with = + - @ (or a tab / carriage return,
  which Excel strips before looking) is prefixed with an apostrophe ', the OWASP
  recommendation for CSV injection; xlsx cells are also written with write_string,
  so they are never formulas.
- HTML: every piece of text goes through html.escape (quotes included).
"""

from __future__ import annotations

import html

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell_text(text: object) -> str | None:
    if text is None:
        return None
    text = str(text)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def esc(text: object) -> str:
    return "" if text is None else html.escape(str(text), quote=True)
