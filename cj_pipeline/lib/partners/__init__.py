"""National partner tables: reading the files partners publish into tidy values.

`recipe` loads the declarative table recipes under data/recipes/ (the data
contract's own two layouts are one of them, data/recipes/builtin/data_contract.toml,
which `parse` applies to an already opened file), and `extract` is the one engine
that applies them to partner workbooks exactly as published (front matter, titles,
split headers, markers held only as number formats, legacy .xls), so nobody
reshapes a partner's file by hand and every value keeps its lineage to the
publication's own sheet and cell. `read` is the one entry point intake and
`cj-pipeline partners preview` share (recipes when one names the file, else the
built-in fallback recipe); `preview` formats what it would extract. Imports only `core`
(docs/architecture.md: beside returns, independent of it; intake calls in, never the reverse).
"""
