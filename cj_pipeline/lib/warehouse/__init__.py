"""The DuckDB warehouse as the pipeline writes it: the raw schema and what intake recorded
(warehouse/schema.py), the build plan that chooses which Dagster job runs
(warehouse/build_plan.py: full build, selective refresh or intake alone, given the kinds of
file waiting) and the writer lock (one "warehouse busy" error). May import `core` and
`returns` (the raw return tables), never intake: intake loads into the warehouse.
"""
