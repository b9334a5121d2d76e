"""Whether a refined render is worse than its composite, by the QA's own measures."""

from __future__ import annotations

import math
from collections.abc import Mapping

import cv2
import numpy as np
from skimage.color import rgb2lab

from imaging.image_io import FloatImage
from imaging.qa import Check, QAReport, tier_rank
from imaging.refine.band import OPAQUE_ALPHA

# The checks refinement must not worsen, each with the change still counted as measurement noise.
# Scale is measured on the placement, so pixels cannot move it; it is guarded all the same.
GUARDED_CHECKS: Mapping[str, float] = {
    "metal_colour_de2000": 0.1,  # dE00
    "edge_sharpness": 0.05,  # x
    "scale_error_pct": 0.1,  # %
}

# How far (share of the way, in hue) the skin beside the piece may move towards the metal's colour:
# a shadow darkens the skin and keeps its hue; a model that drags the metal into the skin moves it.
METAL_SPREAD_MAX = 0.5


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


def metal_spread(
    composite: FloatImage, refined: FloatImage, alpha: FloatImage, ring_px: float
) -> float:
    """How far the skin within `ring_px` outside the piece (alpha > 0.5) moved from its colour in
    `composite` towards the piece's (its median opaque pixel), in a*b*: the median share of the
    way, 0 when it kept its hue. QA does not see it: the piece's own pixels are put back, and a
    band painted in the metal's colour outside them moves the piece's apparent edge outwards
    without softening it."""
    solid = alpha > 0.5
    size = 2 * math.ceil(ring_px) + 1
    near = cv2.dilate(solid.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    ring = near & ~solid
    opaque = alpha >= OPAQUE_ALPHA
    if not ring.any() or not opaque.any():
        return 0.0
    metal = rgb2lab(np.median(composite[opaque], axis=0)[None, None])[0, 0, 1:]
    before = rgb2lab(composite[ring][None])[0, :, 1:]
    after = rgb2lab(refined[ring][None])[0, :, 1:]
    towards = metal[None, :] - before
    distance_sq = np.maximum(np.sum(towards**2, axis=1), 1e-6)
    share = np.sum((after - before) * towards, axis=1) / distance_sq
    return float(np.median(share))
