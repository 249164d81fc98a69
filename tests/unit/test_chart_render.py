"""Charts rendered across worker processes are the charts rendered here, in order; a worker
that fails stops the publication with its reason."""

from __future__ import annotations

import pytest

from cj_pipeline.lib.publish import chart_render


def _spec(width: int) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "width": width,
        "height": 10,
        "marks": [{"type": "rect", "encode": {"enter": {"x": {"value": 0}, "width": {"value": width}}}}],
    }


def test_parallel_rendering_matches_serial_in_order(monkeypatch):
    jobs = [("vega", _spec(10 + i)) for i in range(chart_render.MIN_PARALLEL)]
    monkeypatch.setattr(chart_render, "workers", lambda: 2)
    parallel = chart_render.render_all(jobs)
    assert parallel == chart_render.render_chunk(jobs)
    assert [f'width="{10 + i}"' in svg for i, svg in enumerate(parallel)] == [True] * len(jobs)
    assert all(svg.startswith('<svg aria-hidden="true" focusable="false"') for svg in parallel)


def test_a_failing_worker_raises_with_its_reason(monkeypatch):
    jobs = [("vega", _spec(10))] * chart_render.MIN_PARALLEL
    jobs[0] = ("vega", {"marks": "not a list"})  # in the worker's share
    monkeypatch.setattr(chart_render, "workers", lambda: 2)
    with pytest.raises(RuntimeError, match="chart rendering process failed"):
        chart_render.render_all(jobs)
