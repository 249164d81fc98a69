"""Where the Jinja2 environments of the pages (packs, compare page, status pages) keep their
compiled templates between runs."""

from __future__ import annotations

from functools import cache

from jinja2 import BytecodeCache, FileSystemBytecodeCache


@cache
def compiled_templates() -> BytecodeCache | None:
    """Jinja2's own cache of compiled templates, in a private folder of the user's temp folder:
    compiling the pack templates took about a second of every publication. Each entry is
    checked against its template's source, so an edited template is compiled afresh. None
    (compile every time) when no such folder can be made."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no writable temp folder, or one owned by another user
        return None
