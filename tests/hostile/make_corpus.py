"""A hostile-input corpus, generated at test time (no binary blobs in git).

`make_corpus(folder, outside)` writes at least 60 awkward files into `folder` (an upload
folder) and returns one `Case` per file: its name and the (status, code) both
`validate_file` and intake must give it. `outside` is a folder outside the data dir that
symlinks point into. Every case is built from a valid return written by the project's own
template writer, then damaged in one way.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from cj_pipeline.lib.demo.sample_data import _return_content
from cj_pipeline.lib.returns.template import write_template

AREA, YEAR = "S12000033", "2023-24"  # Aberdeen City
ACCEPTED, REJECTED = "accepted", "rejected"
SECRET = b"TOP-SECRET-OUTSIDE-BYTES-0451"  # content of the file outside the data dir


@dataclass(frozen=True)
class Case:
    name: str  # file name inside the upload folder
    status: str
    code: str | None  # an error code the receipt must carry (None: accepted, no error)
    validate: bool = True  # False for symlinks intake must not follow (validate_file reads paths as given)


def _valid_bytes(tmp: Path, area: str = AREA, year: str = YEAR, seed: int = 1) -> bytes:
    path = write_template(
        tmp / f"valid_{area}_{year}_{seed}.xlsx", area, year, _return_content(random.Random(seed), area, year)
    )
    data = path.read_bytes()
    path.unlink()
    return data


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _sheet_paths(members: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> worksheet member path."""
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    return {
        name: "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
        for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="([^"]+)"', workbook)
    }


def _edit_sheet(data: bytes, sheet: str, edit) -> bytes:
    members = _members(data)
    path = _sheet_paths(members)[sheet]
    members[path] = edit(members[path].decode()).encode()
    return _zip(members)


def _edit_member(data: bytes, member: str, edit) -> bytes:
    members = _members(data)
    members[member] = edit(members[member].decode()).encode()
    return _zip(members)


def _append_rows(xml: str, rows: str) -> str:
    return xml.replace("</sheetData>", rows + "</sheetData>")


def _set_cell(xml: str, ref: str, new_cell: str) -> str:
    """Replace cell `ref` (which must exist) with `new_cell` XML."""
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)')
    assert pattern.search(xml), ref
    return pattern.sub(new_cell, xml, count=1)


def _cell_of(data: bytes, sheet: str, text: str) -> str:
    """The A1 ref of the (shared string) cell right of the label `text` on `sheet`."""
    members = _members(data)
    strings = re.findall(r"<t[^>]*>(.*?)</t>", members["xl/sharedStrings.xml"].decode(), re.S)
    index = strings.index(text)
    xml = members[_sheet_paths(members)[sheet]].decode()
    ref = re.search(rf'<c r="([A-Z]+)(\d+)"[^>]*t="s"[^>]*><v>{index}</v></c>', xml)
    assert ref, text
    return ref.group(1), ref.group(2)


def _next_col(letters: str) -> str:
    return chr(ord(letters) + 1)


def _deflate_bomb(inflated_mb: int) -> bytes:
    """A raw deflate stream inflating to `inflated_mb` MiB of spaces, built in O(1 MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * (1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * inflated_mb + b"\x03\x00"  # empty final fixed-Huffman block


def _zip_with_raw_member(members: dict[str, bytes], name: str, raw: bytes, declared: int) -> bytes:
    """A zip of `members` plus one deflated member given as a raw stream with a declared size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    body = out.getvalue()
    # Append by hand: local header + data, then rebuild the central directory with zipfile's help.
    end = body.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", body[end + 12 : end + 20])
    central = body[cd_offset : cd_offset + cd_size]
    entries = struct.unpack("<H", body[end + 10 : end + 12])[0]
    encoded = name.encode()
    crc = 0x12345678
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), declared, len(encoded), 0)
    offset = cd_offset
    record = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(raw),
        declared,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    new_central = central + record + encoded
    new_offset = offset + len(local) + len(encoded) + len(raw)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, entries + 1, entries + 1, len(new_central), new_offset, 0)
    return body[:cd_offset] + local + encoded + raw + new_central + eocd


def _bomb_members(valid: bytes) -> dict[str, bytes]:
    return _members(valid)


def make_corpus(folder: Path, outside: Path, scratch: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    valid = _valid_bytes(scratch)
    cases: list[Case] = []

    mtime_step = [0]  # each file a second newer than the last, in corpus order

    def add(name: str, content: bytes, status: str, code: str | None) -> None:
        path = folder / name
        path.write_bytes(content)
        mtime_step[0] += 1
        os.utime(path, ns=(1_700_000_000_000_000_000 + mtime_step[0], 1_700_000_000_000_000_000 + mtime_step[0]))
        cases.append(Case(name, status, code))

    # --- controls: a valid return passes (so rejections below are about the damage) ---
    add("valid.xlsx", valid, ACCEPTED, None)
    add("VALID_UPPER.XLSX", _valid_bytes(scratch, "S12000034", YEAR, 2), ACCEPTED, None)
    pass_csv = Path(__file__).resolve().parents[1] / "fixtures" / "pass" / "complete.csv"
    add("valid.csv", pass_csv.read_bytes(), ACCEPTED, None)

    # --- truncated and corrupt zips ---
    for percent in (1, 10, 25, 50, 75, 90, 99):
        add(f"truncated_{percent:02d}pct.xlsx", valid[: len(valid) * percent // 100], REJECTED, "corrupt_workbook")
    add("only_zip_magic.xlsx", b"PK\x03\x04", REJECTED, "corrupt_workbook")
    add("zip_magic_then_noise.xlsx", b"PK\x03\x04" + random.Random(7).randbytes(4000), REJECTED, "corrupt_workbook")
    flipped = bytearray(valid)
    members = _members(valid)
    sheet_offset = valid.find(b"xl/worksheets/sheet2.xml") + 60
    for i in range(sheet_offset, sheet_offset + 200):
        flipped[i] ^= 0xFF
    add("flipped_bytes_in_sheet.xlsx", bytes(flipped), REJECTED, "corrupt_workbook")
    crc_bad = bytearray(valid)
    target = b"xl/worksheets/sheet2.xml"
    for header, crc_offset, name_offset in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):
        at = next(
            i for i in range(len(valid)) if valid.startswith(header, i) and valid.startswith(target, i + name_offset)
        )
        crc_bad[at + crc_offset : at + crc_offset + 4] = b"\x00\x00\x00\x00"
    add("bad_crc.xlsx", bytes(crc_bad), REJECTED, "corrupt_workbook")
    add("zip_of_text.xlsx", _zip({"readme.txt": b"not a workbook"}), REJECTED, "not_a_workbook")
    add(
        "zip_without_sheets.xlsx",
        _zip({k: v for k, v in members.items() if "worksheets" not in k}),
        REJECTED,
        "corrupt_workbook",
    )
    add(
        "malformed_workbook_xml.xlsx",
        _edit_member(valid, "xl/workbook.xml", lambda x: x[: len(x) // 2]),
        REJECTED,
        "corrupt_workbook",
    )

    # --- zip bombs: tiny on disk, huge inflated ---
    bomb = _deflate_bomb(1024)  # 1 GiB of spaces in ~1 MiB
    add(
        "zip_bomb_declared.xlsx",
        _zip_with_raw_member(members, "xl/media/image1.png", bomb, 1 << 30),
        REJECTED,
        "workbook_too_large",
    )
    add(
        "zip_bomb_lying_size.xlsx",
        _zip_with_raw_member(members, "xl/media/image1.png", bomb, 1000),
        REJECTED,
        "corrupt_workbook",
    )
    # Honest but over the limit once really inflated: 300 MiB > 10 x 20 MiB, declared sizes small.
    lying = _members(valid)
    add(
        "zip_bomb_sheet_lying.xlsx",
        _zip_with_raw_member(lying, "xl/worksheets/sheet99.xml", _deflate_bomb(300), 500),
        REJECTED,
        "corrupt_workbook",
    )

    # --- a million rows, declared or used ---
    # A <dimension> claiming a million rows (or the whole grid) on a small sheet is judged by the
    # rows really there: accepted, in bounded time and memory like every case.
    add(
        "dimension_million_rows.xlsx",
        _edit_sheet(
            valid, "Local evidence", lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:A1000000"/>', x)
        ),
        ACCEPTED,
        None,
    )
    add(
        "dimension_whole_grid_9_rows.xlsx",
        _edit_sheet(
            valid,
            "Local measures",
            lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', x),
        ),
        ACCEPTED,
        None,
    )
    add(
        "row_r_1000000.xlsx",
        _edit_sheet(
            valid, "Local evidence", lambda x: _append_rows(x, '<row r="1000000"><c r="A1000000"><v>1</v></c></row>')
        ),
        REJECTED,
        "too_many_rows",
    )
    add(
        "cell_XFD1000000.xlsx",
        _edit_sheet(
            valid, "Local measures", lambda x: _append_rows(x, '<row r="1000000"><c r="XFD1000000"><v>1</v></c></row>')
        ),
        REJECTED,
        "too_many_rows",
    )
    add(
        "cell_XFD99999.xlsx",
        _edit_sheet(
            valid, "Local measures", lambda x: _append_rows(x, '<row r="99999"><c r="XFD99999"><v>1</v></c></row>')
        ),
        REJECTED,
        "too_many_cells",
    )
    add(
        "row_without_cells_far_down.xlsx",
        _edit_sheet(valid, "Cover", lambda x: _append_rows(x, '<row r="1048576" ht="15"/>')),
        REJECTED,
        "too_many_rows",
    )
    rless = "".join('<row><c t="n"><v>1</v></c></row>' for _ in range(120_000))
    add(
        "rows_without_numbers.xlsx",
        _edit_sheet(valid, "Guidance", lambda x: _append_rows(x, rless)),
        REJECTED,
        "too_many_rows",
    )
    add(
        "wide_but_small.xlsx",
        _edit_sheet(valid, "Guidance", lambda x: _append_rows(x, '<row r="12"><c r="XFD12"><v>1</v></c></row>')),
        ACCEPTED,
        None,
    )

    # --- shared strings ---
    def huge_string(xml: str) -> str:
        return xml.replace("<sst ", "<sst ", 1).replace("</sst>", "<si><t>" + "A" * 20_000_000 + "</t></si></sst>")

    add("huge_shared_string_unused.xlsx", _edit_member(valid, "xl/sharedStrings.xml", huge_string), ACCEPTED, None)
    col, row = _cell_of(valid, "Cover", "Completed by")
    members2 = _members(valid)
    count = len(re.findall(r"<si>", members2["xl/sharedStrings.xml"].decode()))
    members2["xl/sharedStrings.xml"] = huge_string(members2["xl/sharedStrings.xml"].decode()).encode()
    cover = _sheet_paths(members2)["Cover"]
    members2[cover] = _set_cell(
        members2[cover].decode(), f"{_next_col(col)}{row}", f'<c r="{_next_col(col)}{row}" t="s"><v>{count}</v></c>'
    ).encode()
    add("huge_shared_string_used.xlsx", _zip(members2), REJECTED, "cell_text_too_long")
    many = "".join(f"<si><t>s{i}</t></si>" for i in range(300_000))
    add(
        "many_shared_strings.xlsx",
        _edit_member(valid, "xl/sharedStrings.xml", lambda x: x.replace("</sst>", many + "</sst>")),
        ACCEPTED,
        None,
    )
    add(
        "shared_string_index_out_of_range.xlsx",
        _edit_sheet(
            valid,
            "Cover",
            lambda x: _set_cell(x, f"{_next_col(col)}{row}", f'<c r="{_next_col(col)}{row}" t="s"><v>99999999</v></c>'),
        ),
        REJECTED,
        "corrupt_workbook",
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
    )
    add(
        "billion_laughs.xlsx",
        _edit_member(
            valid,
            "xl/sharedStrings.xml",
            lambda x: laughs + re.sub(r"^<\?xml[^>]*\?>", "", x).replace("</sst>", "<si><t>&f;</t></si></sst>"),
        ),
        REJECTED,
        "corrupt_workbook",
    )
    outside_secret = outside / "secret.txt"
    outside_secret.write_bytes(SECRET)
    xxe = f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file://{outside_secret}">]>'
    add(
        "xxe_external_entity.xlsx",
        _edit_member(
            valid,
            "xl/sharedStrings.xml",
            lambda x: xxe + re.sub(r"^<\?xml[^>]*\?>", "", x).replace("</sst>", "<si><t>&x;</t></si></sst>"),
        ),
        REJECTED,
        "corrupt_workbook",
    )

    # --- formulas and external links ---
    measures = "Local measures"

    def formula_in_numerator(cached: str) -> bytes:
        members3 = _members(valid)
        path = _sheet_paths(members3)[measures]
        xml = members3[path].decode()
        ref = "C5"  # first Numerator cell under the header row 4
        members3[path] = _set_cell(xml, ref, f'<c r="{ref}"><f>SUM(C6:C7)</f>{cached}</c>').encode()
        return _zip(members3)

    add("formula_with_cached_value.xlsx", formula_in_numerator("<v>5</v>"), ACCEPTED, None)
    add("formula_without_cached_value.xlsx", formula_in_numerator(""), REJECTED, "formula_not_calculated")
    members4 = _members(valid)
    path = _sheet_paths(members4)[measures]
    members4[path] = _set_cell(members4[path].decode(), "C5", '<c r="C5"><f>[1]Sheet1!A1</f><v>7</v></c>').encode()
    members4["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    )
    members4["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'externalLinkPath" Target="file:///' + str(outside_secret).encode() + b'" TargetMode="External"/>'
        b"</Relationships>"
    )
    add("external_link_formula.xlsx", _zip(members4), ACCEPTED, None)
    add(
        "error_value_in_count.xlsx",
        _edit_sheet(valid, measures, lambda x: _set_cell(x, "C5", '<c r="C5" t="e"><v>#REF!</v></c>')),
        REJECTED,
        "excel_error_value",
    )

    # --- macros ---
    add("macro.xlsm", valid + b"\0", REJECTED, "macro_workbook")
    add(
        "vba_inside.xlsx",
        _zip({**members, "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake vba"}),
        REJECTED,
        "macro_workbook",
    )

    # --- hidden sheets, merged cells, dates in counts ---
    def hide(state: str) -> bytes:
        return _edit_member(
            valid,
            "xl/workbook.xml",
            lambda x: x.replace(f'<sheet name="{measures}"', f'<sheet name="{measures}" state="{state}"'),
        )

    add("hidden_sheet.xlsx", hide("hidden"), ACCEPTED, None)
    add("very_hidden_sheet.xlsx", hide("veryHidden"), ACCEPTED, None)
    add(
        "merged_cells.xlsx",
        _edit_sheet(
            valid,
            measures,
            lambda x: x.replace(
                "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="C5:D5"/></mergeCells>', 1
            ),
        ),
        ACCEPTED,
        None,
    )
    add(
        "date_in_count_cell.xlsx",
        _edit_sheet(valid, measures, lambda x: _set_cell(x, "C5", '<c r="C5" t="d"><v>2024-03-31T00:00:00</v></c>')),
        REJECTED,
        "date_in_number_cell",
    )
    add(
        "boolean_in_count_cell.xlsx",
        _edit_sheet(valid, measures, lambda x: _set_cell(x, "C5", '<c r="C5" t="b"><v>1</v></c>')),
        REJECTED,
        "not_a_number",
    )

    # --- Unicode lookalike and hostile area names in the Cover ---
    acol, arow = _cell_of(valid, "Cover", "Local authority")
    area_ref = f"{_next_col(acol)}{arow}"

    def cover_area(text: str) -> bytes:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        return _edit_sheet(
            valid,
            "Cover",
            lambda x: _set_cell(
                x, area_ref, f'<c r="{area_ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'
            ),
        )

    for label, text in {
        "cyrillic_A": "\u0410berdeen City",  # Cyrillic capital A
        "cyrillic_e_o": "Ab\u0435rd\u0435\u0435n City",  # Cyrillic e
        "greek_omicron": "Aberdeen Cit\u03bf",
        "zero_width_space": "Aber\u200bdeen City",
        "right_to_left_override": "\u202eAberdeen City",
        "path_traversal_area": "../../S12000033",
        "sql_in_area": "Aberdeen City'; DROP TABLE raw.submissions; --",
        "control_chars_area": "Aberdeen\x07City",
    }.items():
        add(f"area_{label}.xlsx", cover_area(text), REJECTED, "unknown_area")
    add("area_nbsp_ok.xlsx", cover_area("Aberdeen\u00a0City"), ACCEPTED, None)
    add("area_fullwidth_folds_ok.xlsx", cover_area("\uff21berdeen City"), ACCEPTED, None)  # NFKC: same letters

    # --- names: traversal-looking, control characters, odd suffixes ---
    for name in (
        "..\\..\\x.xlsx",
        "..%2F..%2Fx.xlsx",
        "....xlsx",
        "x..\\..\\y.xlsx",
        "x/../y".replace("/", "\u2215") + ".xlsx",
        "x\n.xlsx",
        "x\r\t\x1b[31m.xlsx",
        "x\x7f\x01.xlsx",
        " leading and trailing .xlsx",
        "é-NFD-e\u0301.xlsx",
        "a" * 200 + ".xlsx",
        "-rf.xlsx",
        "con.xlsx",
        "*?<>|.xlsx",
        "$(touch pwned).xlsx",
    ):
        add(name, valid if "NFD" not in name else _valid_bytes(scratch, "S12000041", YEAR, 3), ACCEPTED, None)
    # Same bytes as valid.xlsx: accepted by validate_file, a duplicate in intake (checked in the test).

    # --- not workbooks at all ---
    add("empty.xlsx", b"", REJECTED, "empty_file")
    add("empty.csv", b"", REJECTED, "empty_file")
    add("pdf_renamed.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", REJECTED, "not_a_workbook")
    add(
        "ole_or_encrypted.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000),
        REJECTED,
        "old_or_protected_workbook",
    )
    add(
        "html_saved_as.xlsx",
        b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        REJECTED,
        "not_a_workbook",
    )
    add("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), REJECTED, "old_or_protected_workbook")
    add("notes.txt", b"hello", REJECTED, "unsupported_file_type")
    add("no_extension", valid + b"\1", REJECTED, "unsupported_file_type")
    add("double.xlsx.exe", valid + b"\2", REJECTED, "unsupported_file_type")
    add("csv_nul_bytes.csv", b"area,financial_year\x00,section\n\x00\x00\x00\n", REJECTED, "missing_columns")
    add("csv_utf16.csv", "area,financial_year,section,id,field,value\n".encode("utf-16"), REJECTED, "missing_columns")
    add(
        "csv_too_many_rows.csv",
        b"area,financial_year,section,id,field,value\n" + b"x,y,z,1,f,v\n" * 100_001,
        REJECTED,
        "too_many_rows",
    )
    add("csv_one_huge_line.csv", b"," * 3_000_000 + b"\n", REJECTED, "too_many_cells")
    add("csv_huge_field.csv", b'"' + b"x" * 500_000 + b'"\n', REJECTED, "unreadable_csv")
    add("over_size_limit.xlsx", valid + bytes(21 * 1024 * 1024), REJECTED, "file_too_large")
    add("sixty_sheets.xlsx", _many_sheets(valid, 60), REJECTED, "too_many_sheets")
    return cases


def _many_sheets(valid: bytes, count: int) -> bytes:
    members = _members(valid)
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    types = members["[Content_Types].xml"].decode()
    extra_sheets, extra_rels, extra_types = "", "", ""
    for i in range(count):
        extra_sheets += f'<sheet name="Extra {i}" sheetId="{100 + i}" r:id="rIdX{i}"/>'
        extra_rels += (
            f'<Relationship Id="rIdX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/extra{i}.xml"/>'
        )
        extra_types += (
            f'<Override PartName="/xl/worksheets/extra{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        members[f"xl/worksheets/extra{i}.xml"] = (
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData/></worksheet>"
        )
    members["xl/workbook.xml"] = workbook.replace("</sheets>", extra_sheets + "</sheets>").encode()
    members["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", extra_rels + "</Relationships>").encode()
    members["[Content_Types].xml"] = types.replace("</Types>", extra_types + "</Types>").encode()
    return _zip(members)


def make_links(folder: Path, data_dir: Path, outside: Path) -> list[Case]:
    """Symlinks in the upload folder: inside the data dir (followed), outside / dangling /
    looping / to folders and FIFOs (refused without reading). Returns their cases."""
    inside_dir = data_dir / "elsewhere"
    inside_dir.mkdir(parents=True, exist_ok=True)
    inside_target = inside_dir / "inside_target.xlsx"
    inside_target.write_bytes(_valid_bytes(inside_dir, "S12000035", YEAR, 4))
    secret = outside / "secret.txt"
    if not secret.exists():
        secret.write_bytes(SECRET)
    outside_workbook = outside / "outside.xlsx"
    outside_workbook.write_bytes(_valid_bytes(outside, "S12000036", YEAR, 5) + SECRET)
    fifo = inside_dir / "a_fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    links = {
        "link_inside.xlsx": (inside_target, ACCEPTED, None, True),
        "link_outside_secret.xlsx": (secret, REJECTED, "link_outside_data_dir", False),
        "link_outside_workbook.xlsx": (outside_workbook, REJECTED, "link_outside_data_dir", False),
        "link_relative_escape.xlsx": (
            Path("../../../../../../../") / outside_workbook.relative_to("/"),
            REJECTED,
            "link_outside_data_dir",
            False,
        ),
        "link_etc_passwd.xlsx": (Path("/etc/passwd"), REJECTED, "link_outside_data_dir", False),
        "link_dev_zero.xlsx": (Path("/dev/zero"), REJECTED, "link_outside_data_dir", False),
        "link_dangling.xlsx": (inside_dir / "missing.xlsx", REJECTED, "unreadable_file", True),
        "link_to_folder.xlsx": (inside_dir, REJECTED, "unreadable_file", False),
        "link_folder_no_suffix": (inside_dir, REJECTED, "unreadable_file", False),
        "link_to_fifo.xlsx": (fifo, REJECTED, "unreadable_file", False),
        "link_loop.xlsx": (folder / "link_loop.xlsx", REJECTED, "link_outside_data_dir", False),
    }
    cases = []
    for name, (target, status, code, validate) in links.items():
        (folder / name).symlink_to(target)
        cases.append(Case(name, status, code, validate))
    # A link chain: inside -> link in the data dir -> outside.
    hop = inside_dir / "hop.xlsx"
    hop.symlink_to(outside_workbook)
    (folder / "link_chain_to_outside.xlsx").symlink_to(hop)
    cases.append(Case("link_chain_to_outside.xlsx", REJECTED, "link_outside_data_dir", False))
    return cases
