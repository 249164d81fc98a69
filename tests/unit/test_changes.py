"""Change reports: the pure diff of two returns' raw rows and of partner values."""

from cj_pipeline.lib.intake.changes import diff_partner_values, diff_returns, figure, render_changes


def _return(status="In place", numerator=10.0, progress="Half done", local=(("Fewer remands", "Admissions"),)):
    return {
        "return_cover": [
            {
                "area_code": "S12000015",
                "completed_by": "A Person",
                "email": "a@x.scot",
                "date_completed": "2025-09-30",
                "template_version": "1",
                "sheet": "Cover",
                "cell": "B3",
            }
        ],
        "return_evidence": [
            {"evidence_id": "LE1.1", "status": status, "commentary": "Plan", "sheet": "Local evidence", "cell": "D5"}
        ],
        "return_measures": [
            {
                "measure_id": "LM6.1",
                "numerator": numerator,
                "numerator_marker": None,
                "denominator": 40.0,
                "denominator_marker": None,
                "note": None,
                "sheet": "Local measures",
                "numerator_cell": "C5",
                "denominator_cell": "D5",
            }
        ],
        "return_assessments": [
            {
                "outcome_id": "NO3",
                "assessment": "Not achieved",
                "actions_taken": "Did things",
                "progress": progress,
                "sheet": "Outcome assessment",
                "cell": "C7",
            }
        ],
        "return_local_outcomes": [
            {
                "row_number": n,
                "local_outcome": o,
                "metric": m,
                "outcome_type": "Local outcome",
                "value": 5.0,
                "value_marker": None,
                "unit": "people",
                "commentary": None,
                "sheet": "Local outcomes",
                "cell": f"C{5 + n}",
            }
            for n, (o, m) in enumerate(local, start=1)
        ],
    }


def test_identical_returns_have_no_changes():
    assert diff_returns(_return(), _return()) == []


def test_changed_cells_are_reported_cell_by_cell():
    changes = diff_returns(_return(), _return(status="Not known", numerator=12.0, progress="Now done"))
    assert changes == [
        {
            "sheet": "Local evidence",
            "cell": "D5",
            "field": "Status",
            "id": "LE1.1",
            "before": "In place",
            "after": "Not known",
        },
        {"sheet": "Local measures", "cell": "C5", "field": "Numerator", "id": "LM6.1", "before": "10", "after": "12"},
        {
            "sheet": "Outcome assessment",
            "cell": "C7",
            "field": "Progress",
            "id": "NO3",
            "before": "Half done",
            "after": "Now done",
        },
    ]


def test_marker_change_is_a_change():
    after = _return()
    after["return_measures"][0].update(numerator=None, numerator_marker="[c]")
    assert [(c["before"], c["after"]) for c in diff_returns(_return(), after)] == [("10", "[c]")]


def test_local_outcome_row_added_and_removed():
    two = (("Fewer remands", "Admissions"), ("More housing", "Tenancies"))
    added = diff_returns(_return(), _return(local=two))
    assert [(c["field"], c["id"], c["before"]) for c in added] == [("row added", "More housing / Tenancies", None)]
    assert added[0]["after"].startswith("Local outcome; 5; people")
    removed = diff_returns(_return(local=two), _return())
    assert [(c["field"], c["id"], c["after"]) for c in removed] == [("row removed", "More housing / Tenancies", None)]


def _pv(area, value, marker=None, year="2023-24", measure="cpo_imposed", cell="C5"):
    return {
        "submission_id": "s",
        "area_code": area,
        "financial_year": year,
        "measure": measure,
        "value": value,
        "marker": marker,
        "sheet": "Table 1",
        "cell": cell,
    }


def test_partner_revision_says_which_values_moved_and_by_how_much():
    before = [_pv("S12000005", 100.0), _pv("S12000006", 50.0), _pv("S12000008", 7.0)]
    after = [
        _pv("S12000005", 105.0, "[r]"),
        _pv("S12000006", 50.0),
        _pv("S12000010", 3.0),
        _pv("S12000005", 9.0, year="2024-25"),
    ]  # a year never received before: new data, not a revision
    changes = diff_partner_values(before, after)
    assert [(c["field"], c["area_code"], c["before"], c["after"], c["difference"]) for c in changes] == [
        ("cpo_imposed", "S12000005", "100", "105 [r]", 5.0),
        ("row removed", "S12000008", "7", None, None),  # the earlier value stays current
        ("row added", "S12000010", None, "3", None),
    ]


def test_identical_partner_values_have_no_changes():
    rows = [_pv("S12000005", 100.0), _pv("S12000006", None, "[c]")]
    assert diff_partner_values(rows, [dict(r) for r in rows]) == []


def test_figure_and_text_block():
    assert (figure(1234.0), figure(None, "[c]"), figure(45.0, "[r]"), figure(None)) == ("1,234", "[c]", "45 [r]", None)
    receipt = {
        "kind": "return",
        "replaces_submission_id": "abc",
        "changes": diff_returns(_return(), _return(numerator=12.0)),
    }
    lines = render_changes(receipt)
    assert lines[0] == "Changes against the previous return (abc): 1"
    assert lines[1] == "- 'Local measures' C5 LM6.1 Numerator: 10 -> 12"
    assert render_changes({"kind": "return", "replaces_submission_id": "abc", "changes": []})[0].endswith("same")
    assert render_changes({"kind": "return"}) == []


def test_every_edited_cell_is_reported_at_its_own_address(tmp_path):
    """A return filled in, then every kind of cell edited as an officer would: each change is
    reported at the cell that was edited (not the row's first cell)."""
    import openpyxl

    from cj_pipeline.lib.returns.template import write_template
    from cj_pipeline.lib.returns.validate import return_rows, validate_bytes
    from cj_pipeline.settings import get_settings
    from tests.fixtures.make_fixtures import AREA, YEAR, complete_content

    path = write_template(tmp_path / "first.xlsx", AREA, YEAR, complete_content())

    def rows(file):
        result = validate_bytes(file.read_bytes(), file.name, get_settings())
        assert result.accepted, result.issues
        return return_rows(result)

    before = rows(path)
    edits = {
        ("Cover", "B6"): "Completed by",
        ("Cover", "B7"): "Email",
        ("Cover", "B8"): "Date completed",
        ("Local evidence", "D5"): "Status",
        ("Local evidence", "E5"): "Commentary",
        ("Local measures", "C6"): "Numerator",
        ("Local measures", "D6"): "Denominator",
        ("Local measures", "E5"): "Note",
        ("Outcome assessment", "C6"): "Assessment",
        ("Outcome assessment", "D5"): "Actions taken",
        ("Outcome assessment", "E7"): "Progress",
        ("Local outcomes", "C5"): "Type",
        ("Local outcomes", "D5"): "Value",
        ("Local outcomes", "E5"): "Unit",
        ("Local outcomes", "F5"): "Commentary",
    }
    new_values = {
        "Completed by": "B Officer",
        "Email": "b.officer@example.gov.scot",
        "Date completed": "2024-10-01",
        "Status": "Partially in place",
        "Numerator": 55,
        "Denominator": "[x]",
        "Assessment": "Not assessed",
        "Type": "Balancing measure",
        "Value": 121,
    }
    book = openpyxl.load_workbook(path)
    for (sheet, ref), field in edits.items():
        book[sheet][ref] = new_values.get(field, f"Changed {field.lower()}")
    edited = tmp_path / "second.xlsx"
    book.save(edited)
    reported = {(c["sheet"], c["field"]): c["cell"] for c in diff_returns(before, rows(edited))}
    for (sheet, ref), field in edits.items():
        assert reported.get((sheet, field)) == ref, (sheet, field, reported.get((sheet, field)))
    assert len(reported) == len(edits)


def test_an_older_warehouse_gains_the_per_field_cell_columns():
    import duckdb

    from cj_pipeline.lib.warehouse.schema import ensure_raw_schema, raw_columns

    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA raw")
    connection.execute(
        "CREATE TABLE raw.return_assessments (submission_id VARCHAR NOT NULL, area_code VARCHAR NOT NULL, "
        "financial_year VARCHAR NOT NULL, outcome_id VARCHAR NOT NULL, assessment VARCHAR, actions_taken VARCHAR, "
        "progress VARCHAR, sheet VARCHAR NOT NULL, cell VARCHAR)"
    )
    connection.execute(
        "INSERT INTO raw.return_assessments VALUES ('s1', 'A', '2024-25', 'NO1', 'Achieved', 'x', NULL, 'S', 'C5')"
    )
    ensure_raw_schema(connection)
    ensure_raw_schema(connection)  # idempotent
    columns = [r[0] for r in connection.execute("DESCRIBE raw.return_assessments").fetchall()]
    assert columns == raw_columns("return_assessments")
    assert connection.execute("SELECT actions_taken_cell, cell FROM raw.return_assessments").fetchall() == [
        (None, "C5")
    ]
