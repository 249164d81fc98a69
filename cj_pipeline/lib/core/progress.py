"""Progress of the steps of a run, for whoever listens (the CLI's progress bars).

A run executed in process (`cj-pipeline run`, `demo`) calls its assets in this process:
they report through `report`, and the CLI listens with `listening`. Nobody listening (a
run launched by the Dagster daemon), nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

# listener(stage, done, total, info): stage "intake" (info: file, status, receipt) or "dbt" (info: node)
Listener = Callable[[str, int, int, dict], None]
_listeners: list[Listener] = []


def report(stage: str, done: int, total: int, **info) -> None:
    for listener in list(_listeners):
        listener(stage, done, total, info)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
