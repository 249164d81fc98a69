"""Quality checks, plain functions with no Dagster: the SQL checks on the marts
(`checks`), pandera contracts on the raw rows (`contracts`) and Great Expectations suites on
the marts (`expectations`). Each returns `CheckOutcome`s; `cj_pipeline.lib.quality.gate` combines
them into the publication gate and `cj_pipeline.defs.quality` shows them as asset checks."""

from cj_pipeline.lib.quality.outcome import CheckOutcome

__all__ = ["CheckOutcome"]
