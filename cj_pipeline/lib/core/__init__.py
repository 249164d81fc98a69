"""Shared building blocks every other package may use: problems (Issue, CellProblem, the
receipt's vocabulary), cells and markers, areas and years, the seeds under data/seeds/,
the kinds of file, safe opening of workbooks and CSV (core/workbook.py), and DuckDB access
(core/db.py: one `connect`, one `fetch_dicts`). It may import only the standard library, the
field's libraries and `cj_pipeline.settings`; never another lib package.
"""
