"""The local area return (data contract v1, docs/data-contract.md section 2): its layout
(returns/layout.py, the one place that names sheets, columns and choices), the template
writer, the reader, the validation rules (returns/rules/, a folder per sheet) and
`validate`, which turns bytes into a receipt and raw-table rows. Imports only `core`
(docs/architecture.md: it sits beside partners, independent of it).
"""
