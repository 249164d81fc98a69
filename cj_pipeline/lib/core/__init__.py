"""Shared building blocks every other package may use: problems (Issue, CellProblem, the
receipt's vocabulary), cells and markers, areas and years, the seeds under data/seeds/,
the kinds of file, safe opening of workbooks and CSV (core/workbook.py), DuckDB access
(core/db.py: one `connect`, one `fetch_dicts`), the content hash (core/digest.py) and the
notifier for alerts (core/notify.py). The bottom layer of lib/: it imports only the standard
library, the field's libraries and `cj_pipeline.settings` (docs/architecture.md).
"""
