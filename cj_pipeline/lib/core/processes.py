"""Whether a process still runs: what tells a dead writer's leftovers from a live one's."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while a process with this id exists (even one of another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
