"""Text that came from returns (or from a person at the command line) must never become a
formula or markup in anything we write. ONE function, `neutralise(text, fmt)`, decides how
for every output; the helpers below are its names at the call sites.

- "csv" (published tables, the `chase --csv` mail-merge file): a string starting with
  = + - @ (or a tab / carriage return, which Excel strips before looking) is prefixed with
  an apostrophe ', the OWASP recommendation for CSV injection: a CSV cell has no type, so
  a spreadsheet would otherwise evaluate it. Parquet keeps the exact text (it is typed).
- "xlsx": the text exactly as written. An xlsx cell has a type: the workbook writers store
  text as a string cell (never a formula, link or rich text; see release_workbook.Verbatim)
  and mark one that starts like a formula with Excel's quote prefix (`needs_quote_prefix`),
  which keeps it text even when a reader edits the cell and shows no apostrophe. A string
  longer than an xlsx cell holds (32,767 characters) is refused with TextTooLong, never cut:
  intake refuses such a value first (core/workbook.long_text_refusal), so this only fires
  on a value that reached the warehouse another way.
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
    if fmt == "xlsx":
        if len(text) > XLSX_MAX_CHARS:
            raise TextTooLong(
                f"A value of {len(text):,} characters is longer than an Excel cell holds ({XLSX_MAX_CHARS:,}); "
                f"it starts {text[:60]!r}. It must be shortened at source, not cut here."
            )
        return text
    if fmt == "csv":
        return "'" + text if needs_quote_prefix(text) else text
    if fmt == "html":
        return html.escape(text, quote=True)
    if fmt == "markdown":
        text = " ".join(text.splitlines())
        text = html.escape(text, quote=True)
        text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
        return text.replace(":", "&#58;")
    raise ValueError(f"unknown output format {fmt!r}; one of {FORMATS}")


def needs_quote_prefix(text: str) -> bool:
    """A text a spreadsheet would read as a formula if it were typed in."""
    return text.startswith(FORMULA_STARTS)


def safe_cell_text(text: object, fmt: str = "xlsx") -> str | None:
    """A spreadsheet cell (xlsx, or a CSV field with fmt="csv")."""
    return neutralise(text, fmt)


def md(text: object) -> str:
    """Markdown text."""
    return neutralise(text, "markdown") or ""
