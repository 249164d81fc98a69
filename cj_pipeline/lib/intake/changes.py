"""Change reports: what a corrected return or a revising partner file changes.

Pure diff functions over the raw-table row dicts intake already produces
(`ParseOutcome.tables`) and the rows the warehouse holds for the version being
replaced, plus two small look-ups of those rows (`previous_return`,
`previous_partner_values`) and `change_report`, the one call intake makes.

A change is `{sheet, cell, field, id, before, after}` (partner changes also carry
`area_code`, `financial_year` and `difference`). `cell` is the cell of that field in the
new file (intake keeps one per field: `layout.RETURN_FIELDS`); for rows stored before the
per-field cells existed it falls back to the row's first cell. A row only in the new
file has `field` 'row added' (before None); a row only in the old one 'row removed'
(after None).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from cj_pipeline.lib.core.db import fetch_dicts
from cj_pipeline.lib.returns.layout import RETURN_FIELDS, ROW_CELL

TEXT_PREVIEW = 80  # characters of free text shown before and after


def figure(value: object, marker: object = None) -> str | None:
    """A number with its marker as a person would write it: '1,234', '45 [r]', '[c]'."""
    if value is None:
        return str(marker) if marker else None
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,}"
    return f"{text} {marker}" if marker else text


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1] + "…"


def _shown(row: dict, columns: tuple[str, ...]) -> str | None:
    if len(columns) == 2:
        return figure(row.get(columns[0]), row.get(columns[1]))
    return _text(row.get(columns[0]))


def _key_text(row: dict, key: str) -> str:
    if key == "local_outcome":  # any number of rows: keyed by what they measure
        return " / ".join(filter(None, [_text(row.get("local_outcome")), _text(row.get("metric"))])) or "(blank row)"
    return str(row.get(key) or "")


def _keyed(rows: Iterable[dict], key: str) -> dict[str, dict]:
    """Rows by key; a repeated key gets '#2', '#3' so nothing is silently dropped."""
    keyed: dict[str, dict] = {}
    for row in rows:
        base = _key_text(row, key)
        name, n = base, 1
        while name in keyed:
            n += 1
            name = f"{base} #{n}"
        keyed[name] = row
    return keyed


def diff_returns(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[dict]:
    """Cell-by-cell changes from one return's raw rows (`before`) to another's (`after`)."""
    changes: list[dict] = []
    for table, (key, fields) in RETURN_FIELDS.items():
        old, new = _keyed(before.get(table, []), key), _keyed(after.get(table, []), key)
        for item in list(new) + [k for k in old if k not in new]:
            row_old, row_new = old.get(item), new.get(item)
            row = row_new or row_old
            assert row is not None
            if row_old is None or row_new is None:
                summary = "; ".join(filter(None, (_shown(row, columns) for _, columns, _ in fields)))
                changes.append(
                    {
                        "sheet": row.get("sheet"),
                        "cell": row.get(fields[0][2]),
                        "field": "row added" if row_old is None else "row removed",
                        "id": item,
                        "before": None if row_old is None else summary or "(empty)",
                        "after": None if row_new is None else summary or "(empty)",
                    }
                )
                continue
            for label, columns, cell_column in fields:
                was, now = _shown(row_old, columns), _shown(row_new, columns)
                if was != now:
                    changes.append(
                        {
                            "sheet": row_new.get("sheet"),
                            "cell": row_new.get(cell_column) or row_new.get(ROW_CELL.get(table, "cell")),
                            "field": label,
                            "id": item,
                            "before": was,
                            "after": now,
                        }
                    )
    return changes


def _partner_key(row: dict) -> tuple[str, str, str]:
    return row["area_code"], row["financial_year"], row["measure"]


def diff_partner_values(before: Iterable[dict], after: Iterable[dict]) -> list[dict]:
    """What a partner file revises: `before` are the current values of the same source.

    Only year x measure pairs that already had values are compared (anything else is new
    data, not a revision). Within them: values that moved (with the difference), areas
    new to the pair ('row added') and areas the new file leaves out ('row removed'; their
    earlier value stays current).
    """
    old = {_partner_key(row): row for row in before}
    new = {_partner_key(row): row for row in after}
    revised_pairs = {(year, measure) for _, year, measure in old} & {(year, measure) for _, year, measure in new}
    changes: list[dict] = []

    def change(row: dict, field: str, was: str | None, now: str | None, difference: float | None) -> dict:
        return {
            "sheet": row.get("sheet"),
            "cell": row.get("cell"),
            "field": field,
            "id": row["area_code"],
            "area_code": row["area_code"],
            "financial_year": row["financial_year"],
            "before": was,
            "after": now,
            "difference": difference,
        }

    for key in sorted(set(old) | set(new)):
        area, year, measure = key
        if (year, measure) not in revised_pairs:
            continue
        row_old, row_new = old.get(key), new.get(key)
        if row_new is None:
            assert row_old is not None
            changes.append(
                change(row_old, "row removed", figure(row_old["value"], row_old.get("marker")), None, None)
                | {"measure": measure}
            )
            continue
        now = figure(row_new["value"], row_new.get("marker"))
        if row_old is None:
            changes.append(change(row_new, "row added", None, now, None) | {"measure": measure})
            continue
        was = figure(row_old["value"], row_old.get("marker"))
        if was != now:
            difference = None
            if row_old["value"] is not None and row_new["value"] is not None:
                difference = float(row_new["value"]) - float(row_old["value"])
            changes.append(change(row_new, measure, was, now, difference) | {"measure": measure})
    return changes


# --- look-ups of the version being replaced (read before the intake transaction) ---


def current_returns(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """The current accepted return (latest arrival) of every area and year: one query for a whole
    intake run, which keeps it up to date as it accepts returns (see `change_report`)."""
    return {
        (area, year): submission_id
        for area, year, submission_id in connection.execute(
            "SELECT area_code, financial_year, arg_max(submission_id, arrival_seq) FROM raw.submissions "
            "WHERE kind = 'return' AND status = 'accepted' AND area_code IS NOT NULL "
            "AND financial_year IS NOT NULL GROUP BY ALL"
        ).fetchall()
    }


def previous_return(
    connection: duckdb.DuckDBPyConnection,
    area_code: str,
    financial_year: str,
    current: dict[tuple[str, str], str] | None = None,
) -> tuple[str | None, dict[str, list[dict]]]:
    """The current accepted return for the area and year (latest arrival) and its raw rows.

    `current` (from `current_returns`, kept up to date by the caller) saves the look-up of
    which submission that is."""
    if current is not None:
        submission_id = current.get((area_code, financial_year))
        if submission_id is None:
            return None, {}
    else:
        found = connection.execute(
            "SELECT submission_id FROM raw.submissions WHERE kind = 'return' AND status = 'accepted' "
            "AND area_code = ? AND financial_year = ? ORDER BY arrival_seq DESC LIMIT 1",
            [area_code, financial_year],
        ).fetchall()
        if not found:
            return None, {}
        submission_id = found[0][0]
    order = {"return_local_outcomes": "row_number"}
    tables = {
        table: fetch_dicts(
            connection,
            f"SELECT * FROM raw.{table} WHERE submission_id = ? ORDER BY {order.get(table, '1')}",
            [submission_id],
        )
        for table in RETURN_FIELDS
    }
    return submission_id, tables


def previous_partner_values(
    connection: duckdb.DuckDBPyConnection, source: str, keys: set[tuple[str, str, str]]
) -> list[dict]:
    """The current (latest accepted) value of `source` for each year x measure among `keys`."""
    pairs = sorted({(year, measure) for _, year, measure in keys})
    if not pairs:
        return []
    return fetch_dicts(
        connection,
        """
        SELECT pv.*
        FROM raw.partner_values AS pv
        JOIN raw.submissions AS submissions USING (submission_id)
        WHERE submissions.status = 'accepted' AND pv.source = ?
            AND pv.financial_year || '|' || pv.measure IN (SELECT unnest(?::VARCHAR[]))
        QUALIFY row_number() OVER (PARTITION BY pv.area_code, pv.financial_year, pv.measure
                                   ORDER BY submissions.arrival_seq DESC) = 1
        """,
        [source, [f"{year}|{measure}" for year, measure in pairs]],
    )


def change_report(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    source: str | None,
    area_code: str | None,
    financial_year: str | None,
    tables: dict[str, list[dict]],
    current: dict[tuple[str, str], str] | None = None,
) -> tuple[dict, list[dict]]:
    """For an accepted submission about to be committed: receipt keys and raw.change_reports rows.

    Returns ({}, []) when the submission replaces nothing (a first return, new partner data).
    `current`: see `previous_return` (the version replaced must be committed: its rows are read).
    """
    if kind == "return":
        if not (area_code and financial_year):
            return {}, []
        replaces, before = previous_return(connection, area_code, financial_year, current)
        if replaces is None:
            return {}, []
        changes = diff_returns(before, tables)
        rows = [
            {
                "replaces_submission_id": replaces,
                "sheet": c["sheet"],
                "cell": c["cell"],
                "field": c["field"],
                "item_id": c["id"],
                "area_code": area_code,
                "financial_year": financial_year,
                "before_value": c["before"],
                "after_value": c["after"],
            }
            for c in changes
        ]
        return {"replaces_submission_id": replaces, "changes": changes}, rows
    new_values = tables.get("partner_values", [])
    before = previous_partner_values(connection, source or "", {_partner_key(v) for v in new_values})
    if not before:
        return {}, []
    replaced = {_partner_key(row): row["submission_id"] for row in before}
    changes = diff_partner_values(before, new_values)
    rows = [
        {
            "replaces_submission_id": replaced.get((c["area_code"], c["financial_year"], c["measure"])),
            "sheet": c["sheet"],
            "cell": c["cell"],
            "field": c["field"],
            "item_id": c["measure"],
            "area_code": c["area_code"],
            "financial_year": c["financial_year"],
            "before_value": c["before"],
            "after_value": c["after"],
            "difference": c["difference"],
        }
        for c in changes
    ]
    replaces = sorted({row["submission_id"] for row in before})
    return {"replaces_submission_id": ", ".join(replaces), "changes": changes}, rows


def render_changes(receipt: dict, limit: int = 40) -> list[str]:
    """The text receipt's block: one line per change (at most `limit`)."""
    if "changes" not in receipt:
        return []
    changes = receipt["changes"]
    title = (
        "Changes against the previous return" if receipt.get("kind") == "return" else "Changes against earlier values"
    )
    lines = [f"{title} ({receipt.get('replaces_submission_id')}): {len(changes) or 'none, the content is the same'}"]
    for c in changes[:limit]:
        where = " ".join(filter(None, [c.get("sheet") and f"'{c['sheet']}'", c.get("cell")]))
        label = f"{c.get('financial_year')} {c.get('measure')}" if "measure" in c else c.get("field")
        if "measure" in c and c["field"] in ("row added", "row removed"):
            label += f" ({c['field']})"
        moved = f" ({c['difference']:+,g})" if c.get("difference") is not None else ""
        lines.append(f"- {where} {c['id']} {label}: {c['before'] or '(blank)'} -> {c['after'] or '(blank)'}{moved}")
    if len(changes) > limit:
        lines.append(f"  ... and {len(changes) - limit} more (see the JSON receipt)")
    return lines
