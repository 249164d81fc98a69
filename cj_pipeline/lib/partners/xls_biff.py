"""Look inside a legacy Excel 97-2003 (.xls, BIFF8) file before calamine reads it.

Two things calamine does not give: (1) the extent of each sheet *before* it
allocates a grid for it (a few bytes saying row 65,535 and column 255 would cost
hundreds of megabytes), so the same row and cell limits as for .xlsx can be
applied first; (2) each cell's number format, where old publications keep the
`-` (nil) and `*` (less than 0.5) markers. Only the records needed are read:
the OLE2 container's FAT chain for the Workbook stream, then BOUNDSHEET, FORMAT,
XF and the cell records. Anything malformed raises XlsProblem.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
# BIFF record types.
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _FORMAT, _XF = 0x0809, 0x000A, 0x002F, 0x0085, 0x041E, 0x00E0
_NUMBER, _RK, _MULRK, _FORMULA = 0x0203, 0x027E, 0x00BD, 0x0006
_SINGLE_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0201, 0x0006, 0x0205, 0x00D6}
_MULTI_CELLS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: several columns in one record


class XlsProblem(ValueError):
    """The file is not a readable BIFF8 workbook (or is encrypted)."""


@dataclass
class XlsSheet:
    name: str
    visible: bool
    rows: int = 0  # 1 + the highest row index holding a cell record
    columns: int = 0
    cells: int = 0
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # numeric cells with a custom format


def _sector_chain(fat: list[int], start: int, limit: int) -> list[int]:
    chain, sector = [], start
    while sector not in (_END_OF_CHAIN, _FREE):
        if sector >= len(fat) or len(chain) > limit:
            raise XlsProblem("the file's sector chain is broken")
        chain.append(sector)
        sector = fat[sector]
    return chain


def workbook_stream(data: bytes) -> bytes:
    """The 'Workbook' stream of an OLE2 compound file."""
    if not data.startswith(OLE_MAGIC) or len(data) < 512:
        raise XlsProblem("it is not an Excel 97-2003 workbook")
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    n_fat, first_dir, cutoff, first_mini, n_mini, first_difat, n_difat = struct.unpack_from(
        "<I I 4x I I I I I", data, 0x2C
    )
    n_sectors = (len(data) - 512) // size + 1

    def sector(index: int) -> bytes:
        return data[512 + index * size : 512 + (index + 1) * size]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    difat = first_difat
    for _ in range(min(n_difat, n_sectors)):
        if difat in (_END_OF_CHAIN, _FREE):
            break
        entries = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors += entries[:-1]
        difat = entries[-1]
    fat: list[int] = []
    for index in fat_sectors[: min(n_fat, n_sectors)]:
        if index in (_END_OF_CHAIN, _FREE) or len(sector(index)) != size:
            raise XlsProblem("its allocation table is damaged")
        fat += struct.unpack(f"<{size // 4}I", sector(index))

    def read(start: int) -> bytes:
        return b"".join(sector(s) for s in _sector_chain(fat, start, n_sectors))

    directory = read(first_dir)
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    root = entries[0]
    for entry in entries:
        name_length = struct.unpack_from("<H", entry, 0x40)[0]
        name = entry[: max(0, name_length - 2)].decode("utf-16-le", "replace")
        if name in ("Workbook", "Book") and entry[0x42] == 2:
            start, length = struct.unpack_from("<I I", entry, 0x74)
            if length >= cutoff:
                return read(start)[:length]
            # Small streams live in the mini stream, addressed through the mini FAT.
            mini_stream = read(struct.unpack_from("<I", root, 0x74)[0])
            mini_fat_bytes = read(first_mini) if n_mini else b""
            mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
            chain = _sector_chain(mini_fat, start, len(mini_fat))
            return b"".join(mini_stream[s * mini_size : (s + 1) * mini_size] for s in chain)[:length]
    raise XlsProblem("it has no Workbook stream (it may be a Word file or a pre-1997 workbook)")


def _records(stream: bytes, offset: int):
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        yield kind, stream[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if kind == _EOF:
            return


def _unicode(payload: bytes, offset: int, length: int) -> str:
    flags = payload[offset]
    offset += 1 + (2 if flags & 0x08 else 0) + (4 if flags & 0x04 else 0)
    if flags & 0x01:
        return payload[offset : offset + 2 * length].decode("utf-16-le", "replace")
    return payload[offset : offset + length].decode("latin-1")


def _globals(stream: bytes) -> tuple[list[tuple[str, bool, int]], dict[int, str], list[int]]:
    sheets, formats, xf_formats = [], {}, []
    for kind, payload in _records(stream, 0):
        if kind == _FILEPASS:
            raise XlsProblem("it is protected with a password")
        if kind == _BOUNDSHEET and len(payload) >= 8:
            position, hidden, sheet_type = struct.unpack_from("<IBB", payload)
            if sheet_type == 0:  # worksheets only (not charts or macro sheets)
                sheets.append((_unicode(payload, 7, payload[6]), hidden & 0x03 == 0, position))
        elif kind == _FORMAT and len(payload) >= 5:
            index, length = struct.unpack_from("<HH", payload)
            formats[index] = _unicode(payload, 4, length)
        elif kind == _XF and len(payload) >= 4:
            xf_formats.append(struct.unpack_from("<H", payload, 2)[0])
    return sheets, formats, xf_formats


def _cell_positions(kind: int, payload: bytes):
    """(row, column, xf) of each cell a record holds, and whether it is numeric."""
    if kind in _MULTI_CELLS and len(payload) >= 6:
        row, first = struct.unpack_from("<HH", payload)
        step = 6 if kind == _MULRK else 2
        for i, at in enumerate(range(4, len(payload) - 2, step)):
            yield row, first + i, struct.unpack_from("<H", payload, at)[0], kind == _MULRK
    elif kind in _SINGLE_CELLS and len(payload) >= 6:
        row, col, xf = struct.unpack_from("<HHH", payload)
        yield row, col, xf, kind in (_NUMBER, _RK, _FORMULA)


def read_xls(data: bytes) -> list[XlsSheet]:
    """Every worksheet's extent and the custom number format of each numeric cell."""
    try:
        stream = workbook_stream(data)
        if len(stream) < 4 or struct.unpack_from("<H", stream)[0] != _BOF:
            raise XlsProblem("its Workbook stream does not start like a workbook")
        listed, formats, xf_formats = _globals(stream)
        sheets = []
        for name, visible, position in listed:
            sheet = XlsSheet(name, visible)
            for kind, payload in _records(stream, position):
                for row, col, xf, numeric in _cell_positions(kind, payload):
                    sheet.rows, sheet.columns = max(sheet.rows, row + 1), max(sheet.columns, col + 1)
                    sheet.cells += 1
                    fmt = formats.get(xf_formats[xf]) if numeric and xf < len(xf_formats) else None
                    if fmt:
                        sheet.formats[(row, col)] = fmt
            sheets.append(sheet)
        return sheets
    except (struct.error, IndexError) as exc:
        raise XlsProblem("its internal structure is damaged") from exc
