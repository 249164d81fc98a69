"""A small dbt project of its own for a test (the real project's target folder is shared by
the suite): dbt_project.yml, a DuckDB profile on <folder's parent>/w.duckdb, models/."""

from __future__ import annotations

from pathlib import Path


def small_dbt_project(tmp_path: Path) -> Path:
    """tmp_path/project, ready for models (and macros) to be written into it."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: small\nversion: '1.0'\nconfig-version: 2\nprofile: small\n")
    (project / "profiles.yml").write_text(
        f"small:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n      path: '{tmp_path / 'w.duckdb'}'\n"
        "      threads: 1\n"
    )
    return project
