"""The local area return (data contract v1, docs/data-contract.md section 2): its layout
(returns/layout.py, the one place that names sheets, columns and choices), the template
writer, the reader, the validation rules (returns/rules/, a folder per sheet) and
`validate`, which turns bytes into a receipt and raw-table rows. May import `core` (and
`intake.archive` for the sha256 of a validated file); never intake, warehouse or publish.
"""
