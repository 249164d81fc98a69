"""The DuckDB warehouse as the pipeline writes it: the raw schema (warehouse/schema.py),
the build plan that chooses which Dagster job runs (warehouse/build_plan.py: full build,
selective refresh or intake alone) and the writer lock. May import `core`, `intake`
(to see what is waiting) and `returns.layout` (the raw return tables).
"""
