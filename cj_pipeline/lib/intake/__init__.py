"""Getting files in without losing any: discovery of what waits in raw/, reading it safely,
the append-only archive and ledger, the two parser adapters (returns and partners), batched
commits to the raw tables, receipts, change reports, and the sensor's stable-file rule.
May import `core`, `returns`, `partners` and `warehouse` (the raw tables it loads, the build
state a rebuild resets), never quality, publish or reporting (docs/architecture.md).
"""
