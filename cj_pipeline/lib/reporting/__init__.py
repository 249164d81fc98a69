"""What the pipeline tells people outside a release: `explain` (a figure traced to its
file, sheet and cell), the chase list, warehouse summaries and per-year status. Read-only
over the warehouse; it sits at the top of lib/ and may import every package below it.
"""
