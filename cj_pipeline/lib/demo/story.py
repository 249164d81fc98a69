"""What `cj-pipeline demo` needs besides the sample data: a data directory it may fill,
and the two mistakes every data team meets (a rejected return, a file sent twice)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cj_pipeline.lib.core.seeds import area_names
from cj_pipeline.lib.demo.sample_data import COMPLETE_YEAR, SampleTruth
from cj_pipeline.lib.returns.template import ReturnContent, write_template
from cj_pipeline.settings import Settings

DEMO_MARKER = ".cj-demo"  # a data directory carrying this file holds demo data only


class NotADemoDirectory(RuntimeError):
    """The data directory holds data that is not the demo's: the demo never touches it."""


def _pipeline_paths(settings: Settings) -> list[Path]:
    return [
        settings.uploads_dir,
        settings.partners_dir,
        settings.archive_dir,
        settings.receipts_dir,
        settings.warehouse_path.parent,
        settings.published_dir,
        settings.logs_dir,
    ]


def _has_pipeline_data(settings: Settings) -> bool:
    for path in _pipeline_paths(settings):
        if path.exists() and any(not p.name.startswith(".") for p in path.iterdir()):
            return True
    return False


def prepare_demo_dir(settings: Settings) -> None:
    """Empty what the pipeline wrote in the data directory (drops, archive, receipts,
    warehouse, published, logs; .gitkeep files stay) when it holds demo data or nothing;
    raise NotADemoDirectory when it holds anything else."""
    marker = settings.data_dir / DEMO_MARKER
    if not marker.exists() and _has_pipeline_data(settings):
        raise NotADemoDirectory(
            f"{settings.data_dir} holds data that is not the demo's; the demo leaves it alone. "
            "Use --data-dir for a scratch folder."
        )
    for path in _pipeline_paths(settings):
        if not path.exists():
            continue
        for child in path.iterdir():
            if child.name == ".gitkeep":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("Demo data made by `cj-pipeline demo`; the next demo replaces it.\n")
    settings.ensure_dirs()


def add_mistakes(settings: Settings, truth: SampleTruth) -> tuple[Path, Path]:
    """A return that is rejected (a measure written as words) from an area whose latest
    return is missing, and an accepted return sent again under another name (a duplicate)."""
    latest = truth.years[-1]
    area = sorted(area for area, year in truth.missing_returns if year == latest)[0]
    first = next(iter(content_for(truth, latest).values()))
    content = ReturnContent(
        completed_by=first.completed_by,
        email=f"cj.{area.lower()}@example.gov.scot",
        date_completed=first.date_completed,
        evidence=first.evidence,
        assessments=first.assessments,
        local_outcomes=first.local_outcomes,
    )
    content.measures = {key: ("about 40", den, note) for key, (_, den, note) in first.measures.items()}
    rejected = write_template(
        settings.uploads_dir / f"{area_names()[area].replace(' ', '_')}_{latest}.xlsx", area, latest, content
    )
    original = next(path for path in truth.return_files if COMPLETE_YEAR in path.name)
    duplicate = settings.uploads_dir / f"{original.stem} (copy){original.suffix}"
    shutil.copy(original, duplicate)  # arrives after the original (a newer mtime)
    return rejected, duplicate


def content_for(truth: SampleTruth, year: str) -> dict[str, ReturnContent]:
    return {area: content for (area, y), content in truth.returns.items() if y == year}
