"""Dagster definitions, one folder per domain; each exposes a small defs()."""
