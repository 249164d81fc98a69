"""The publication gate: nothing leaves until the checks pass (or a person overrides them
with a recorded reason). Plain functions, no Dagster; `defs/publish` calls them.

`evaluate_gate` runs every check for one financial year; blocking failures stop
publication, warnings are listed in the release notes. `raw.publication_audit` records
every attempt: who, when, why (override reason), which checks were overridden, outcome.
"""

from __future__ import annotations

import getpass
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from cj_pipeline.lib.quality.checks import WAREHOUSE_CHECKS
from cj_pipeline.lib.quality.contracts import raw_contracts
from cj_pipeline.lib.quality.outcome import CheckOutcome
from cj_pipeline.lib.warehouse.schema import insert_rows


@dataclass(frozen=True)
class GateResult:
    financial_year: str
    outcomes: list[CheckOutcome] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.blocking and not o.passed]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.blocking and not o.passed]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def blocker_lines(self, per_check: int = 50) -> list[str]:
        """Plain-English lines: one heading per failing blocking check, then its problems."""
        return _lines(self.blocking_failures, per_check, self.financial_year)

    def warning_lines(self, per_check: int = 10) -> list[str]:
        return _lines(self.warnings, per_check)


# What clears a failing blocking check: who to chase, which file or marker to send.
CLEARS = {
    "missing_returns": "chase these areas (`cj-pipeline chase --year {year}` lists their contacts); "
    "each clears when its return, put in raw/uploads/, is accepted by `cj-pipeline run`.",
    "missing_local_evidence": "ask each area for a corrected return with these items filled in "
    "(evidence Status other than 'Not known', Actions taken, Progress), then `cj-pipeline run`.",
    "partner_coverage": "ask the partner for its file covering {year} (put it in raw/partners/<source>/), "
    "or for a row with a marker for each value it cannot give ([x] not available, [z] not applicable), "
    "then `cj-pipeline run`. A source published less often than yearly is listed with the years it "
    "covers in data/seeds/partner_source_years.csv.",
    "numerator_above_denominator": "ask the source named for a corrected file, then `cj-pipeline run`.",
    "percentage_out_of_range": "ask the source named for a corrected file, then `cj-pipeline run`.",
}
DEFAULT_CLEARS = "correct the file named above and send it again, then `cj-pipeline run`."


def _detail_lines(check: CheckOutcome) -> list[str]:
    """Each problem once; partner gaps grouped by source and year (not one line per area)."""
    if check.name == "partner_coverage":
        groups: dict[tuple[str, str], dict[str, set[str]]] = {}
        for detail in check.details:
            group = groups.setdefault((detail["source"], detail["financial_year"]), {"measures": set(), "areas": set()})
            group["measures"].add(detail["measure"])
            group["areas"].add(detail["area"])
        lines = []
        for (source, year), group in groups.items():
            areas = sorted(group["areas"])
            where = ", ".join(areas) if len(areas) <= 3 else f"{len(areas)} areas"
            lines.append(f"No {source} value or marker for {year}: {', '.join(sorted(group['measures']))} ({where}).")
        return lines
    return list(dict.fromkeys(str(d.get("problem", d)) for d in check.details))


def _lines(outcomes: list[CheckOutcome], per_check: int, year: str | None = None) -> list[str]:
    """One heading per check, its problems once each, and (blocking checks) what clears them."""
    lines: list[str] = []
    for check in outcomes:
        lines.append(f"{check.name}: {check.summary}")
        problems = _detail_lines(check)
        lines.extend(f"  - {problem}" for problem in problems[:per_check])
        if len(problems) > per_check:
            lines.append(f"  ... and {len(problems) - per_check} more")
        if check.blocking and year:
            lines.append("  To clear: " + CLEARS.get(check.name, DEFAULT_CLEARS).format(year=year))
    return lines


def evaluate_gate(
    connection: duckdb.DuckDBPyConnection, financial_year: str, *, expectations: bool = True
) -> GateResult:
    """Every check for one year: the warehouse checks, the raw contracts and (unless
    `expectations=False`) the Great Expectations suites on the marts."""
    outcomes = [check(connection, financial_year) for check in WAREHOUSE_CHECKS]
    outcomes += raw_contracts(connection, financial_year)
    if expectations:
        from cj_pipeline.lib.quality.expectations import marts_expectations

        outcomes += marts_expectations(connection, financial_year)
    return GateResult(financial_year, outcomes)


@dataclass(frozen=True)
class AuditRecord:
    """One publication attempt, as written to raw.publication_audit."""

    release_id: str
    financial_year: str
    published_at: datetime
    published_by: str
    override_reason: str | None
    overridden_checks: list[str]
    warnings: list[dict]
    outcome: str  # published | published_with_override | blocked

    def release_notes(self) -> dict:
        """The dict handed to `cj_pipeline.lib.publish.publish_release`."""
        return {
            "release_id": self.release_id,
            "published_at": self.published_at.isoformat(),
            "published_by": self.published_by,
            "override_reason": self.override_reason,
            "overridden_checks": list(self.overridden_checks),
            "warnings": list(self.warnings),
        }

    def as_row(self) -> dict:
        return {
            "release_id": self.release_id,
            "financial_year": self.financial_year,
            "published_at": self.published_at.replace(tzinfo=None),
            "published_by": self.published_by,
            "override_reason": self.override_reason,
            "overridden_checks": json.dumps(self.overridden_checks),
            "warnings": json.dumps(self.warnings),
            "outcome": self.outcome,
        }


def decide_publication(gate: GateResult, override_reason: str = "") -> AuditRecord:
    """What to do with a gate result: publish, publish with a recorded override, or block.
    An override needs a non-empty reason; it overrides every blocking failure."""
    reason = (override_reason or "").strip() or None
    blocked = [o.name for o in gate.blocking_failures]
    if not blocked:
        verdict = "published"
    elif reason:
        verdict = "published_with_override"
    else:
        verdict = "blocked"
    now = datetime.now(UTC)
    return AuditRecord(
        release_id=f"{gate.financial_year}-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
        financial_year=gate.financial_year,
        published_at=now,
        published_by=getpass.getuser(),
        override_reason=reason,
        overridden_checks=blocked if reason else [],
        warnings=[{"check": o.name, "summary": o.summary} for o in gate.warnings],
        outcome=verdict,
    )


def record_audit(connection: duckdb.DuckDBPyConnection, record: AuditRecord, outcome: str | None = None) -> None:
    """Append one row to raw.publication_audit (append-only, like every raw table)."""
    row = record.as_row()
    if outcome:
        row["outcome"] = outcome
    insert_rows(connection, "publication_audit", [row])
