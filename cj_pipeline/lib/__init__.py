"""Plain functions with no Dagster in them, one package per domain.

core (shared building blocks) <- returns, partners <- intake <- warehouse <- quality <-
publish; reporting and demo sit beside them. Each package's docstring says what it owns and
what it may import. Nothing here imports from `cj_pipeline.defs`, `cj_pipeline.cli` or
`cj_pipeline.runner` (tests/unit/test_layout.py checks it).
"""
