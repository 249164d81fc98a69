"""Plain functions with no Dagster in them, one package per domain, in layers (top to
bottom): reporting | demo, publish, quality, intake, warehouse, returns | partners, core.
A package imports only packages below it, never one beside it, and nothing here imports
`cj_pipeline.defs`, the CLI or the runner: the import-linter contracts in pyproject.toml,
run by `make test`, hold it; docs/architecture.md says why each package sits where it does.
"""
