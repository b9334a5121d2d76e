"""What keeps a refined render from replacing its composite, measured on plain arrays."""

from __future__ import annotations

import numpy as np

from imaging.refine.verdict import METAL_SPREAD_MAX, metal_spread

SKIN = np.array([0.86, 0.67, 0.55], np.float32)
GOLD = np.array([0.85, 0.68, 0.25], np.float32)


def _disc_on_skin() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A gold disc on skin: the composite, the piece's alpha and a ring 6 px wide around it."""
    ys, xs = np.mgrid[0:120, 0:120]
    distance = np.hypot(xs - 60, ys - 60)
    alpha = np.clip(30.5 - distance, 0.0, 1.0).astype(np.float32)
    composite = (GOLD * alpha[..., None] + SKIN * (1 - alpha[..., None])).astype(np.float32)
    ring = (distance > 31) & (distance <= 36)
    return composite, alpha, ring


def test_a_shadow_beside_the_piece_keeps_the_skins_hue() -> None:
    composite, alpha, ring = _disc_on_skin()
    shadowed = composite.copy()
    shadowed[ring] *= 0.6
    assert metal_spread(composite, shadowed, alpha, ring_px=6.0) < 0.2  # no closer to gold


def test_metal_dragged_into_the_skin_is_measured() -> None:
    composite, alpha, ring = _disc_on_skin()
    smeared = composite.copy()
    smeared[ring] = 0.2 * smeared[ring] + 0.8 * GOLD
    spread = metal_spread(composite, smeared, alpha, ring_px=6.0)
    assert spread > METAL_SPREAD_MAX
    assert 0.7 < spread < 0.9
