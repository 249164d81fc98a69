"""File names as they may be stored and shown.

A POSIX file name is bytes; Python hands undecodable bytes over as lone surrogates, which
no UTF-8 writer (DuckDB, Arrow, a log handler, a receipt) accepts. `stored_name` is the one
form every record uses: valid UTF-8 names unchanged, each undecodable byte written as
\\xNN. `shown_name` is what a person sees (logs, terminals, Markdown): `stored_name` with
control and format characters (newlines, escape sequences, right-to-left overrides) as
\\uXXXX, so a name can never forge a log line or rewrite the text around it.
"""

from __future__ import annotations


def is_valid_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def stored_name(name: str) -> str:
    """The name as valid UTF-8: undecodable bytes (lone surrogates) as \\xNN."""
    if is_valid_utf8(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def visible(text: str) -> str:
    """Text safe to show in a terminal, an editor or a log: control and format characters
    (escape sequences, right-to-left overrides, lone surrogates) written as \\uXXXX, so a
    name or a message cannot rewrite or disguise the text around it."""
    if text.isprintable():  # nearly always: one pass in C, not a Python step per character
        return text
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def shown_name(name: str) -> str:
    """The name safe to print on one line: stored_name, non-printable characters as \\uXXXX."""
    return visible(stored_name(name))
