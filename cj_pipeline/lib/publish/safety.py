"""Text that came from returns (or from a person at the command line) must never become a
formula or markup in anything we write. ONE function, `neutralise(text, fmt)`, decides how
for every output; the helpers below are its names at the call sites.

- "xlsx" and "csv" (published tables, the `chase --csv` mail-merge file): a string starting
  with = + - @ (or a tab / carriage return, which Excel strips before looking) is prefixed
  with an apostrophe ', the OWASP recommendation for CSV injection; xlsx cells are also
  written with write_string, so they are never formulas. A string longer than an xlsx cell
  holds (32,767 characters) is refused with TextTooLong, never cut: intake refuses such a
  value first (core/workbook.long_text_refusal), so this only fires on a new path.
- "html" (the area packs): html.escape, quotes included.
- "markdown" (release_notes.md, Markdown metadata in the Dagster UI such as the chase list):
  HTML is escaped (no <img>, no <script>), Markdown punctuation is backslash-escaped (no
  links, images, emphasis, headings or table breaks), ':' is written as &#58; so no URL is
  auto-linked, and newlines become spaces (one value never starts a new line or block).
"""

from __future__ import annotations

import html
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell
FORMATS = ("xlsx", "csv", "html", "markdown")

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


class TextTooLong(ValueError):
    """A value longer than the output format can hold: refused, never silently cut."""


def neutralise(text: object, fmt: str) -> str | None:
    """`text` made inert for the output format `fmt` (one of FORMATS); None stays None."""
    if text is None:
        return None
    text = str(text)
    if fmt in ("xlsx", "csv"):
        if fmt == "xlsx" and len(text) > XLSX_MAX_CHARS:
            raise TextTooLong(
                f"A value of {len(text):,} characters is longer than an Excel cell holds ({XLSX_MAX_CHARS:,}); "
                f"it starts {text[:60]!r}. It must be shortened at source, not cut here."
            )
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    if fmt == "html":
        return html.escape(text, quote=True)
    if fmt == "markdown":
        text = " ".join(text.splitlines())
        text = html.escape(text, quote=True)
        text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
        return text.replace(":", "&#58;")
    raise ValueError(f"unknown output format {fmt!r}; one of {FORMATS}")


def safe_cell_text(text: object, fmt: str = "xlsx") -> str | None:
    """A spreadsheet cell (xlsx, or a CSV field with fmt="csv")."""
    return neutralise(text, fmt)


def esc(text: object) -> str:
    """HTML text."""
    return neutralise(text, "html") or ""


def md(text: object) -> str:
    """Markdown text."""
    return neutralise(text, "markdown") or ""
