"""The contact band: where refinement may repaint around a placed piece, and never inside it.

A ring around the piece's boundary (where metal meets skin: the micro-shadow, the slight press
into the skin), the piece's own soft edge, and the area its cast shadow darkens. The piece's
opaque interior is always excluded: its pixels are the seller's and are never regenerated.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imaging.image_io import FloatImage

BoolMask = NDArray[np.bool_]

# At or above this alpha a pixel is the piece's own: excluded from the band, copied back exactly.
OPAQUE_ALPHA = 0.999
# Below this alpha a pixel shows no piece at all (half an 8-bit step).
CLEAR_ALPHA = 0.5 / 255.0
# Darkening by the cast shadow (0..1) from which the shadow counts as part of the band.
SHADOW_MIN = 0.03


def ring_width_px(px_per_mm: float, ring_mm: float | None, ring_px: float | None) -> float:
    """The ring's width in pixels: `ring_px` when given, else `ring_mm` at the template's scale."""
    if ring_px is not None:
        if ring_px <= 0:
            raise ValueError(f"ring_px must be positive, got {ring_px}")
        return float(ring_px)
    if ring_mm is None or ring_mm <= 0:
        raise ValueError("give a positive ring width in mm or in px")
    if px_per_mm <= 0:
        raise ValueError(f"px_per_mm must be positive, got {px_per_mm}")
    return ring_mm * px_per_mm


def contact_band_mask(
    alpha: FloatImage, shadow: FloatImage, ring_px: float, shadow_min: float = SHADOW_MIN
) -> BoolMask:
    """True where refinement may repaint: within `ring_px` outside the piece (alpha > 0.5), on
    its soft edge, and where its shadow darkens the scene by at least `shadow_min`; never where
    alpha >= OPAQUE_ALPHA. `alpha` is the piece as composited, `shadow` the composite's shadow."""
    if alpha.shape != shadow.shape or alpha.ndim != 2:
        raise ValueError(f"alpha {alpha.shape} and shadow {shadow.shape} must be equal H x W maps")
    if ring_px <= 0:
        raise ValueError(f"ring_px must be positive, got {ring_px}")
    band = np.zeros(alpha.shape, dtype=bool)
    shadowed = shadow >= shadow_min
    present = (alpha > CLEAR_ALPHA) | shadowed
    rows = np.flatnonzero(present.any(axis=1))
    cols = np.flatnonzero(present.any(axis=0))
    if rows.size == 0:
        return band
    # Only the box around the piece and its shadow, grown by the ring, can hold the band.
    reach = math.ceil(ring_px) + 1
    top, bottom = max(int(rows[0]) - reach, 0), min(int(rows[-1]) + 1 + reach, alpha.shape[0])
    left, right = max(int(cols[0]) - reach, 0), min(int(cols[-1]) + 1 + reach, alpha.shape[1])
    piece = alpha[top:bottom, left:right]
    distance = cv2.distanceTransform((piece <= 0.5).astype(np.uint8), cv2.DIST_L2, 5)
    ring = (distance > 0) & (distance <= ring_px)
    soft_edge = (piece > CLEAR_ALPHA) & (piece < OPAQUE_ALPHA)
    nearby = ring | soft_edge | shadowed[top:bottom, left:right]
    band[top:bottom, left:right] = nearby & (piece < OPAQUE_ALPHA)
    return band
