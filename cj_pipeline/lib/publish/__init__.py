"""Publication outputs (issue 7 part B): what leaves is safe and readable.

`publish_release(settings, financial_year, release_notes) -> Path` reads the
warehouse read-only (the caller holds the writer lock), applies disclosure
control and rounding, and writes published/<FY>/ atomically.
"""

from __future__ import annotations

from pathlib import Path

from cj_pipeline.settings import Settings

__all__ = ["publish_release"]


def publish_release(settings: Settings, financial_year: str, release_notes: dict) -> Path:
    from cj_pipeline.lib.publish.release import build_release

    return build_release(settings, financial_year, release_notes)
