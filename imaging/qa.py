"""Measured QA of a render: every check with its value, threshold and pass/fail, and the tier it reaches."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    """Quality tiers, strictest last. A render reaches the strictest tier whose thresholds it all passes."""

    FAIL = "fail"
    SOCIAL = "social"
    LISTING = "listing"
    EDITORIAL = "editorial"


@dataclass(frozen=True)
class Check:
    """One measured check. `threshold` is the listing tier's limit; `limits` has every tier's."""

    name: str  # stable code, e.g. "metal_colour_de2000"
    value: float
    threshold: float
    passed: bool  # at the listing tier
    unit: str
    higher_is_better: bool
    limits: dict[str, float]  # tier name -> limit
    message: str  # one sentence: what was measured and, when failing, what it means


@dataclass(frozen=True)
class QAReport:
    checks: tuple[Check, ...]
    tier: Tier

    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)
