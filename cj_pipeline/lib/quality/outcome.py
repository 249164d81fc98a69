"""The result of one quality check: PASS, WARNING or FAIL with a message anyone can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CheckOutcome:
    """One check over the warehouse.

    `blocking` checks stop publication when they fail (unless overridden with a recorded
    reason); the others only warn. `details` has one dict per problem, naming the area,
    year, indicator/source/measure (and file, sheet and cell when known) plus a `problem`
    sentence in plain English."""

    name: str
    passed: bool
    blocking: bool
    severity: Severity
    summary: str
    details: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        """PASS, WARNING or FAIL (the screener's vocabulary)."""
        if self.passed:
            return "PASS"
        return "FAIL" if self.blocking else "WARNING"


def outcome(
    name: str, *, blocking: bool, details: list[dict], passed_summary: str, failed_summary: str
) -> CheckOutcome:
    """A CheckOutcome that passes when `details` is empty. `failed_summary` may use {n}."""
    passed = not details
    return CheckOutcome(
        name=name,
        passed=passed,
        blocking=blocking,
        severity="error" if blocking else "warning",
        summary=passed_summary if passed else failed_summary.format(n=len(details)),
        details=details,
    )
