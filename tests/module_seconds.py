"""A pytest plugin that prints, after a run, the seconds each module took (setup, calls and
teardown summed), longest first, as the MODULE_SECONDS table of tests/conftest.py wants them:

    CJ_MODULE_SECONDS=1 make test

(registered by tests/conftest.py when that variable is set; not a test module; works with and
without xdist: every test's reports reach the controlling process)."""

from __future__ import annotations

from collections import defaultdict

_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report) -> None:
    _seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_sep("=", "seconds per module (for MODULE_SECONDS in tests/conftest.py)")
    for module, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f'    "{module}": {round(seconds)},')
