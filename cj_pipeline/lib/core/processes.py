"""Whether a process still runs: for temporaries and runs left behind by a process that died."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while `pid` runs (also when it belongs to another user: we may not signal it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
