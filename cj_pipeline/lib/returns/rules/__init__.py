"""The validation rules for a local area return, one per module, in a folder per sheet, and their registry.

Every rule module has:
  CODE      the code of the issues it raises (some raise a close variant, in CODES)
  SEVERITY  "error" (the return is rejected) or "warning" (accepted, but say so)
            (warnings with code `publication_waits`: accepted, but the publication gate
            will wait for the item; see rules/_publication.py)
  STAGE     "structure" or "content": a structural error stops the content stage,
            because checking the values of a sheet that was not found only adds noise
  CHECKS    one line for the README table
  check(ret: ReturnFile) -> list[Issue]

Adding a rule: write the module, list it in RULES, add tests/fixtures/fail/<name>.xlsx
(or fail/<name>.csv for a rule about the CSV variant; a pass fixture for a warning) via
tests/fixtures/make_fixtures.py.
"""

from __future__ import annotations

from types import ModuleType

from cj_pipeline.lib.returns.rules.assessment import (
    assessment_actions,
    assessment_outcomes,
    assessment_progress,
    assessment_value,
)
from cj_pipeline.lib.returns.rules.cover import (
    cover_area,
    cover_file_name,
    cover_year,
    csv_rows_area_year,
)
from cj_pipeline.lib.returns.rules.evidence import (
    evidence_items,
    evidence_not_known,
    evidence_status,
    evidence_status_blank,
)
from cj_pipeline.lib.returns.rules.local_outcomes import (
    local_outcome_type,
)
from cj_pipeline.lib.returns.rules.measures import (
    measure_ids,
    measure_legacy_marker,
    measure_negative,
    measure_numerator_le_denominator,
    measure_numeric,
)
from cj_pipeline.lib.returns.rules.structure import (
    hidden_sheet,
    required_columns,
    required_sheets,
)

STAGES = ("structure", "content")

RULES: tuple[ModuleType, ...] = (
    required_sheets,
    hidden_sheet,
    required_columns,
    cover_area,
    cover_year,
    cover_file_name,
    csv_rows_area_year,
    evidence_items,
    evidence_status,
    evidence_status_blank,
    evidence_not_known,
    measure_ids,
    measure_numeric,
    measure_negative,
    measure_numerator_le_denominator,
    measure_legacy_marker,
    assessment_outcomes,
    assessment_value,
    assessment_actions,
    assessment_progress,
    local_outcome_type,
)


def rule_name(rule: ModuleType) -> str:
    return rule.__name__.rsplit(".", 1)[-1]


def rules_in_stage(stage: str) -> list[ModuleType]:
    return [rule for rule in RULES if rule.STAGE == stage]
