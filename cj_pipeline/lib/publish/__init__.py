"""Publication of one financial year: through the quality gate (gated.py), release
orchestration (publish/release.py), the crash-safe commit protocol (commit.py, with
core/atomic.py), disclosure control (disclosure.py,
control.py), the people's spreadsheet (release_workbook.py), report packs (packs.py), the
analysts' snapshot (snapshot.py) and output neutralisation (safety.py). May import every
package below it (`quality` and down), never reporting or demo (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

from cj_pipeline.settings import Settings

__all__ = ["publish_release"]


def publish_release(settings: Settings, financial_year: str, release_notes: dict) -> Path:
    """Read the warehouse read-only (the caller holds the writer lock), apply disclosure
    control and rounding, and write published/<FY>/ atomically."""
    from cj_pipeline.lib.publish.release import build_release

    return build_release(settings, financial_year, release_notes)
