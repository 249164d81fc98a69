"""Reading returns: tolerant layouts read the right values; unreadable files give a receipt, never a traceback."""

import io
import zipfile
from pathlib import Path

import pytest

from cj_pipeline.lib.returns.validate import return_rows, validate_bytes, validate_file
from cj_pipeline.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RECEIPT_KEYS = {"file", "sha256", "status", "area_code", "financial_year", "issues"}
ISSUE_KEYS = {"severity", "code", "sheet", "cell", "message", "guidance"}


def _rows(name):
    data = (FIXTURES / "pass" / name).read_bytes()
    result = validate_bytes(data, name, get_settings())
    assert result.accepted, result.issues
    return return_rows(result)


def test_messy_layout_reads_values_from_moved_columns_and_text_numbers():
    rows = _rows("messy_layout.xlsx")
    measures = {m["measure_id"]: m for m in rows["return_measures"]}
    assert (measures["LM6.1"]["numerator"], measures["LM6.1"]["denominator"]) == (40, 1234)
    assert (measures["LM6.2"]["numerator"], measures["LM6.2"]["denominator"]) == (56, 120)
    assert measures["LM6.2"]["denominator_marker"] == "[p]"
    assert (measures["LM8.1"]["numerator"], measures["LM8.1"]["numerator_marker"]) == (None, "[c]")
    # Lineage follows the moved columns: Numerator is now column D, Denominator C.
    assert (measures["LM6.1"]["numerator_cell"], measures["LM6.1"]["denominator_cell"]) == ("D5", "C5")
    evidence = rows["return_evidence"]
    assert {e["status"] for e in evidence} == {"In place"}
    assert evidence[0]["sheet"] == "LOCAL EVIDENCE" and evidence[0]["cell"] == "E7"
    assert rows["return_cover"][0]["year_text"] == "FY2023/24"


def test_csv_variant_gives_the_same_rows_as_the_workbook():
    xlsx, csv = _rows("complete.xlsx"), _rows("complete.csv")
    for table, key in (
        ("return_measures", "measure_id"),
        ("return_assessments", "outcome_id"),
        ("return_evidence", "evidence_id"),
    ):
        fields = (
            ("numerator", "denominator")
            if table == "return_measures"
            else (
                ("assessment", "actions_taken", "progress")
                if table == "return_assessments"
                else ("status", "commentary")
            )
        )

        def as_dict(rows, key=key, fields=fields):
            return {r[key]: tuple(r[f] for f in fields) for r in rows}

        assert as_dict(csv[table]) == as_dict(xlsx[table]), table
    assert [r["outcome_type"] for r in csv["return_local_outcomes"]] == ["Local outcome", "Balancing measure"]
    assert csv["return_cover"][0]["file_format"] == "csv"


def _valid_bytes():
    return (FIXTURES / "pass" / "complete.xlsx").read_bytes()


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("return.txt", "not a workbook")
    return buffer.getvalue()


UNREADABLE = {
    "empty.xlsx": (lambda: b"", "empty_file"),
    "truncated.xlsx": (lambda: _valid_bytes()[: len(_valid_bytes()) // 2], "corrupt_workbook"),
    "scan.xlsx": (lambda: b"%PDF-1.7\n%binary\n", "not_a_workbook"),
    "old.xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old_or_protected_workbook"),
    "archive.xlsx": (_zip_bytes, "not_a_workbook"),
    "macros.xlsm": (_valid_bytes, "macro_workbook"),
    # An xlsx with a password is an OLE container, like an old .xls.
    "protected.xlsx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old_or_protected_workbook"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_unreadable_file_is_rejected_with_a_clear_message(tmp_path, name):
    make, code = UNREADABLE[name]
    path = tmp_path / name
    path.write_bytes(make())
    receipt = validate_file(path)
    assert set(receipt) >= RECEIPT_KEYS
    assert receipt["status"] == "rejected" and receipt["file"] == name
    assert [issue["code"] for issue in receipt["issues"]] == [code]
    issue = receipt["issues"][0]
    assert set(issue) >= ISSUE_KEYS and issue["severity"] == "error"
    assert len(issue["message"]) > 20 and len(issue["guidance"]) > 20


def test_missing_path_is_a_receipt_not_a_traceback(tmp_path):
    receipt = validate_file(tmp_path / "nowhere.xlsx")
    assert receipt["status"] == "rejected"
    assert receipt["issues"][0]["code"] == "unreadable_file"


def test_receipt_has_the_contract_shape():
    receipt = validate_file(FIXTURES / "pass" / "complete.xlsx")
    assert set(receipt) >= RECEIPT_KEYS
    assert len(receipt["sha256"]) == 64
