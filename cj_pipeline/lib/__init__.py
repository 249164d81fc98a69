"""Plain functions with no Dagster in them: the pipeline's logic."""
