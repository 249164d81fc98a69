"""The checks that gate publication: pandera row contracts, Great Expectations dataset
expectations, SQL checks over the marts, and the gate that combines them for one year and
writes the audit. May import every package below it: `warehouse`, `intake`, `returns`,
`partners`, `core` (docs/architecture.md).
"""

from cj_pipeline.lib.quality.outcome import CheckOutcome

__all__ = ["CheckOutcome"]
