"""Tables for a terminal of any width (80 columns included) that never break a name.

`print_table` prints a table when it fits the console with only the free-text columns
(`wrap`) wrapped at spaces; otherwise each row becomes a short block, one line per field
(a list layout). Names, codes, dates and e-mail addresses are never split, so a name can
be found with a search. Machines use --csv / --json instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _table(title: str | None, headers: Sequence[str], rows: list[list[str]], wrap: set[str], right: set[str]):
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, show_edge=False)
    for header in headers:
        free = header in wrap
        table.add_column(
            header,
            no_wrap=not free,
            overflow="fold" if free else "ignore",
            justify="right" if header in right else "left",
        )
    for row in rows:
        table.add_row(*(escape(str(cell)) for cell in row))
    return table


def print_table(
    console: Console,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    wrap: Iterable[str] = (),
    right: Iterable[str] = (),
) -> None:
    """A table if it fits `console.width` (only `wrap` columns wrapped), else a list layout:
    the first column as a heading, then `header: value` lines."""
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    wrap, right = set(wrap), set(right)
    table = _table(title, headers, rows, wrap, right)
    # The narrowest the table can be: no_wrap columns whole, free text at its longest word.
    if console.measure(table).minimum <= console.width and _fits(headers, rows, wrap, console.width):
        console.print(table)
        return
    if title:
        console.print(f"[bold]{escape(title)}[/]")
    label_width = max((len(h) for h in headers[1:]), default=0)
    for row in rows:
        console.print(f"[bold]{escape(row[0])}[/]")
        for header, cell in zip(headers[1:], row[1:], strict=True):
            if cell:
                console.print(f"  {header:<{label_width}}  {escape(cell)}", highlight=False)


def _fits(headers: Sequence[str], rows: list[list[str]], wrap: set[str], width: int) -> bool:
    """Whole names and at least 12 columns for each free-text column fit in `width`."""
    total = 0
    for index, header in enumerate(headers):
        cells = [row[index] for row in rows] + [header]
        if header in wrap:
            total += max(12, max((len(word) for cell in cells for word in cell.split()), default=0))
        else:
            total += max(len(cell) for cell in cells)
    return total + 2 * (len(headers) - 1) <= width
