"""Where the Jinja2 environments of the pages (packs, compare page, status pages) keep their
compiled templates between runs."""

from __future__ import annotations

from functools import cache

from jinja2 import BytecodeCache, FileSystemBytecodeCache
from jinja2.bccache import Bucket


class BestEffortCache(FileSystemBytecodeCache):
    """A cache that can never stop a page being written: when its folder cannot be read or
    written (a full or read-only temp folder) the template is simply compiled again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@cache
def compiled_templates() -> BytecodeCache | None:
    """Jinja2's own cache of compiled templates, in a private folder of the user's temp folder:
    compiling the pack templates took about a second of every publication. Each entry is
    checked against its template's source, so an edited template is compiled afresh. None
    (compile every time) when no such folder can be made."""
    try:
        return BestEffortCache()
    except (OSError, RuntimeError):  # no writable temp folder, or one owned by another user
        return None
