"""The layout of the local area return (data contract v1), in one place.

Sheet names, header positions, columns, dropdown choices, the CSV variant's
columns, which raw table each sheet's rows land in (and that table's columns),
and which fields a change report compares. The template writer, the reader, the
validator, the change reports and the warehouse's raw schema all read these
names from here, so adding a column means editing this module (and the rule
that checks it), not five.
"""

from __future__ import annotations

TEMPLATE_VERSION = "1"

# Sheets, by the names the template writes (matched in any case when read).
COVER = "Cover"
EVIDENCE = "Local evidence"
MEASURES = "Local measures"
ASSESSMENT = "Outcome assessment"
LOCAL_OUTCOMES = "Local outcomes"
GUIDANCE = "Guidance"
REQUIRED_SHEETS = (COVER, EVIDENCE, MEASURES, ASSESSMENT, LOCAL_OUTCOMES)

# Header rows sit below a title and a guidance line, as councils' own sheets do.
HEADER_ROW = 3  # 0-based: row 4 in Excel
LOCAL_OUTCOME_INPUT_ROWS = 30

COVER_LABELS = (
    "Local authority",
    "Financial year",
    "Completed by",
    "Email",
    "Date completed",
    "Template version",
)
AREA_LABEL, YEAR_LABEL = COVER_LABELS[0], COVER_LABELS[1]
COVER_EDITABLE = ("Completed by", "Email", "Date completed")

EVIDENCE_COLUMNS = ("Evidence ID", "Outcome", "Evidence", "Status", "Commentary")
MEASURE_COLUMNS = ("Measure ID", "Measure", "Numerator", "Denominator", "Note")
ASSESSMENT_COLUMNS = ("Outcome ID", "Outcome", "Assessment", "Actions taken", "Progress")
LOCAL_OUTCOME_COLUMNS = ("Local outcome", "Metric", "Type", "Value", "Unit", "Commentary")

# Sheet -> the columns its header row must hold.
SECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    EVIDENCE: EVIDENCE_COLUMNS,
    MEASURES: MEASURE_COLUMNS,
    ASSESSMENT: ASSESSMENT_COLUMNS,
    LOCAL_OUTCOMES: LOCAL_OUTCOME_COLUMNS,
}
# Sheet -> its ID column (the row's key); Local outcomes rows have none.
ID_COLUMNS = {EVIDENCE: "Evidence ID", MEASURES: "Measure ID", ASSESSMENT: "Outcome ID"}

# Dropdown choices.
EVIDENCE_STATUSES = ("In place", "Partially in place", "Not in place", "Not known")
ASSESSMENTS = ("Achieved", "Not achieved", "Not assessed")
LOCAL_OUTCOME_TYPES = ("Local outcome", "Balancing measure", "Priority action")
NATIONAL_OUTCOME_IDS = tuple(f"NO{n}" for n in range(1, 10))

# The CSV variant: one row per section x id x field.
CSV_COLUMNS = ("area", "financial_year", "section", "id", "field", "value")


# Raw table -> column definitions (accepted returns only); every row keeps the
# sheet and the cell of its first field (`cell`), and every other field its own
# `<field>_cell` (nullable: rows written before these columns existed have NULL,
# and a change report then falls back to `cell`). Columns are only ever added at
# the end: `warehouse/schema.ensure_raw_schema` adds new ones to an existing
# warehouse with ALTER TABLE ... ADD COLUMN IF NOT EXISTS.
RETURN_RAW_TABLES: dict[str, str] = {
    "return_cover": """
        submission_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        area_text VARCHAR,
        year_text VARCHAR,
        completed_by VARCHAR,
        email VARCHAR,
        date_completed VARCHAR,
        template_version VARCHAR,
        file_format VARCHAR NOT NULL,
        sheet VARCHAR NOT NULL,
        cell VARCHAR,
        completed_by_cell VARCHAR,
        email_cell VARCHAR,
        date_completed_cell VARCHAR,
        template_version_cell VARCHAR
    """,
    "return_evidence": """
        submission_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        evidence_id VARCHAR NOT NULL,
        outcome_id VARCHAR,
        status VARCHAR,
        commentary VARCHAR,
        sheet VARCHAR NOT NULL,
        cell VARCHAR,
        commentary_cell VARCHAR
    """,
    "return_measures": """
        submission_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        measure_id VARCHAR NOT NULL,
        numerator DOUBLE,
        numerator_marker VARCHAR,
        numerator_text VARCHAR,
        denominator DOUBLE,
        denominator_marker VARCHAR,
        denominator_text VARCHAR,
        note VARCHAR,
        sheet VARCHAR NOT NULL,
        numerator_cell VARCHAR,
        denominator_cell VARCHAR,
        note_cell VARCHAR
    """,
    "return_assessments": """
        submission_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        outcome_id VARCHAR NOT NULL,
        assessment VARCHAR,
        actions_taken VARCHAR,
        progress VARCHAR,
        sheet VARCHAR NOT NULL,
        cell VARCHAR,
        actions_taken_cell VARCHAR,
        progress_cell VARCHAR
    """,
    "return_local_outcomes": """
        submission_id VARCHAR NOT NULL,
        area_code VARCHAR NOT NULL,
        financial_year VARCHAR NOT NULL,
        row_number INTEGER NOT NULL,
        local_outcome VARCHAR,
        metric VARCHAR,
        outcome_type VARCHAR,
        value DOUBLE,
        value_marker VARCHAR,
        value_text VARCHAR,
        unit VARCHAR,
        commentary VARCHAR,
        sheet VARCHAR NOT NULL,
        cell VARCHAR,
        value_cell VARCHAR,
        unit_cell VARCHAR,
        commentary_cell VARCHAR
    """,
}

# What a change report compares: raw table -> (key column, [(field label, value
# column(s), cell column)]). A value of two columns (number, marker) is shown as
# one figure, e.g. "45 [r]"; the cell column is where that field was read.
RETURN_FIELDS: dict[str, tuple[str, list[tuple[str, tuple[str, ...], str]]]] = {
    "return_cover": (
        "area_code",
        [
            ("Completed by", ("completed_by",), "completed_by_cell"),
            ("Email", ("email",), "email_cell"),
            ("Date completed", ("date_completed",), "date_completed_cell"),
            ("Template version", ("template_version",), "template_version_cell"),
        ],
    ),
    "return_evidence": (
        "evidence_id",
        [
            ("Status", ("status",), "cell"),
            ("Commentary", ("commentary",), "commentary_cell"),
        ],
    ),
    "return_measures": (
        "measure_id",
        [
            ("Numerator", ("numerator", "numerator_marker"), "numerator_cell"),
            ("Denominator", ("denominator", "denominator_marker"), "denominator_cell"),
            ("Note", ("note",), "note_cell"),
        ],
    ),
    "return_assessments": (
        "outcome_id",
        [
            ("Assessment", ("assessment",), "cell"),
            ("Actions taken", ("actions_taken",), "actions_taken_cell"),
            ("Progress", ("progress",), "progress_cell"),
        ],
    ),
    "return_local_outcomes": (
        "local_outcome",
        [
            ("Type", ("outcome_type",), "cell"),
            ("Value", ("value", "value_marker"), "value_cell"),
            ("Unit", ("unit",), "unit_cell"),
            ("Commentary", ("commentary",), "commentary_cell"),
        ],
    ),
}

# The cell a row's first field was read from: where a change falls back to when a
# per-field cell is NULL (rows stored before the per-field columns were added).
ROW_CELL = {"return_measures": "numerator_cell"}
