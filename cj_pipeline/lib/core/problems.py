"""The one shape every problem takes, from a cell parser to a receipt.

Modelled on frictionless errors and DfE's screener: a code a machine can count,
a message naming the value, and guidance a council officer can act on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" blocks acceptance, "warning" does not
    code: str  # stable identifier, e.g. "unknown_area"
    message: str  # what was wrong, naming the value found
    guidance: str  # how to fix it
    sheet: str | None = None
    cell: str | None = None  # A1 style
    value: str | None = None  # the value found, as text

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


class CellProblem(ValueError):
    """A value that cannot be read; the caller adds file, sheet and cell."""

    def __init__(self, code: str, message: str, guidance: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.guidance = guidance

    def at(self, sheet: str | None, cell: str | None, value: object) -> Issue:
        return Issue(
            severity=ERROR,
            code=self.code,
            message=self.message,
            guidance=self.guidance,
            sheet=sheet,
            cell=cell,
            value=None if value is None else str(value),
        )


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def a1(row_index: int, col_index: int) -> str:
    """0-based row and column -> A1 reference."""
    return f"{column_letter(col_index)}{row_index + 1}"
