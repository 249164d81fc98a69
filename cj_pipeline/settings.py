"""Paths and environment, decided in one place.

Every environment variable the pipeline reads is listed here and in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# Environment variables (documented in README "Settings").
ENV_DATA_DIR = "CJ_DATA_DIR"  # root of raw/, archive/, receipts/, warehouse/, published/
ENV_MAX_FILE_BYTES = "CJ_MAX_FILE_BYTES"  # larger received files are rejected unread
ENV_MAX_ROWS = "CJ_MAX_ROWS"  # a sheet declaring more rows is rejected
ENV_MAX_SHEETS = "CJ_MAX_SHEETS"  # a workbook with more sheets is rejected
ENV_MAX_CELLS = "CJ_MAX_CELLS"  # a sheet spanning more cells (rows x columns used) is rejected
ENV_WRITER_LOCK_TIMEOUT = "CJ_WRITER_LOCK_TIMEOUT"  # seconds a CLI writer waits; empty = until free
# Comparator groups of the benchmark, read by dbt (models/marts/dim_comparator_group.sql):
# lgbf_deprivation (default, official LGBF people-services groups), lgbf_rurality, cjs_approximation.
ENV_COMPARATOR_GROUPS = "CJ_COMPARATOR_GROUPS"
ENV_LOCK_WAIT = "CJ_LOCK_WAIT"  # seconds a run waits for another program to close the warehouse file
# Shown to areas on their status page (outbox/<GSS code>/status.html): who to ask, and when
# a year's return is due, as month-day after the financial year ends ("09-30": 2024-25 is due
# on 30 September 2025).
ENV_RETURNS_CONTACT = "CJ_RETURNS_CONTACT"
ENV_RETURNS_DEADLINE = "CJ_RETURNS_DEADLINE"
DEFAULT_RETURNS_CONTACT = "the Community Justice Scotland data team, who shared this folder with you"
DEFAULT_RETURNS_DEADLINE = "09-30"

DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The Dagster instance the UI (`make dev`) and the CLI share when $DAGSTER_HOME is not set.
DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
DEFAULT_LOCK_WAIT = 60.0


@dataclass(frozen=True)
class Settings:
    """Where everything lives for one data directory (docs/data-contract.md section 4)."""

    data_dir: Path
    max_file_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_sheets: int = 50
    max_cells: int = 2_000_000
    writer_lock_timeout: float | None = None
    lock_wait: float = DEFAULT_LOCK_WAIT
    returns_contact: str = DEFAULT_RETURNS_CONTACT
    returns_deadline: str = DEFAULT_RETURNS_DEADLINE  # MM-DD after the financial year ends

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "raw" / "uploads"

    @property
    def partners_dir(self) -> Path:
        return self.data_dir / "raw" / "partners"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def receipts_dir(self) -> Path:
        return self.data_dir / "receipts"

    @property
    def outbox_dir(self) -> Path:
        """outbox/<GSS code>/: each area's receipts and status pages (output only)."""
        return self.data_dir / "outbox"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse" / "cj.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def snapshot_path(self) -> Path:
        """The analysts' read-only DuckDB file (refreshed after every build and publication)."""
        return self.published_dir / "snapshot" / "cj_analytics.duckdb"

    @property
    def logs_dir(self) -> Path:
        """Run logs of CLI runs (Dagster's INFO lines; dbt's per-node lines are in warehouse/)."""
        return self.data_dir / "logs"

    def ensure_dirs(self) -> None:
        for path in (
            self.uploads_dir,
            self.partners_dir,
            self.archive_dir,
            self.receipts_dir,
            self.warehouse_path.parent,
            self.published_dir,
        ):
            path.mkdir(parents=True, exist_ok=True)


def get_settings(data_dir: str | os.PathLike[str] | None = None) -> Settings:
    """Settings for an explicit data dir, else $CJ_DATA_DIR, else ./data of the project."""
    chosen = data_dir or os.environ.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR
    return Settings(
        data_dir=Path(chosen).resolve(),
        max_file_bytes=int(os.environ.get(ENV_MAX_FILE_BYTES, 20 * 1024 * 1024)),
        max_rows=int(os.environ.get(ENV_MAX_ROWS, 100_000)),
        max_sheets=int(os.environ.get(ENV_MAX_SHEETS, 50)),
        max_cells=int(os.environ.get(ENV_MAX_CELLS, 2_000_000)),
        writer_lock_timeout=_optional_float(os.environ.get(ENV_WRITER_LOCK_TIMEOUT, "")),
        lock_wait=float(os.environ.get(ENV_LOCK_WAIT) or DEFAULT_LOCK_WAIT),
        returns_contact=os.environ.get(ENV_RETURNS_CONTACT) or DEFAULT_RETURNS_CONTACT,
        returns_deadline=os.environ.get(ENV_RETURNS_DEADLINE) or DEFAULT_RETURNS_DEADLINE,
    )


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None
