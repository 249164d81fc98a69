"""What the pipeline tells people outside a release: `explain` (a figure traced to its
file, sheet and cell), the chase list, warehouse summaries, per-year status and failure
alerts (notify.py). Read-only over the warehouse; may import `core` and `intake.changes`.
"""
