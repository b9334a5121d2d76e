"""Whether a refined render is worse than its composite, by the QA's own measures."""

from __future__ import annotations

import math
from collections.abc import Mapping

from imaging.qa import Check, QAReport, tier_rank

# The checks refinement must not worsen, each with the change still counted as measurement noise.
# Scale is measured on the placement, so pixels cannot move it; it is guarded all the same.
GUARDED_CHECKS: Mapping[str, float] = {
    "metal_colour_de2000": 0.1,  # dE00
    "edge_sharpness": 0.05,  # x
    "scale_error_pct": 0.1,  # %
}


def worse_than_composite(
    composite: QAReport, refined: QAReport, guarded: Mapping[str, float] = GUARDED_CHECKS
) -> list[str]:
    """One phrase per way `refined` is worse than `composite`: a guarded check worse by more than
    its tolerance (or no longer measurable), or a lower tier. Empty when it is no worse."""
    before = {check.name: check for check in composite.checks}
    reasons = []
    for after in refined.checks:
        if after.name in guarded and after.name in before:
            reason = _worse(before[after.name], after, guarded[after.name])
            if reason:
                reasons.append(reason)
    if tier_rank(refined.tier) < tier_rank(composite.tier):
        reasons.append(f"QA tier fell from {composite.tier.value} to {refined.tier.value}")
    return reasons


def _worse(before: Check, after: Check, tolerance: float) -> str | None:
    if math.isnan(after.value):
        return None if math.isnan(before.value) else f"{after.name} could no longer be measured"
    if math.isnan(before.value):
        return None
    change = after.value - before.value
    worse_by = -change if after.higher_is_better else change
    if worse_by <= tolerance:
        return None
    return (
        f"{after.name} got worse: {after.value:.2f} {after.unit} against "
        f"{before.value:.2f} {before.unit} on the composite"
    )
