"""The contact band: a ring around the piece and its cast shadow, never the piece's interior."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from imaging.image_io import FloatImage
from imaging.refine.band import OPAQUE_ALPHA, contact_band_mask, ring_width_px
from imaging.render import RenderResult


def _disc(size: int, centre: tuple[int, int], radius: int) -> FloatImage:
    alpha = np.zeros((size, size), np.float32)
    cv2.circle(alpha, centre, radius, 1.0, -1)
    return alpha


def test_band_is_a_ring_plus_the_shadow_and_never_the_interior() -> None:
    alpha = _disc(120, (50, 60), 20)
    shadow = np.zeros_like(alpha)
    shadow[75:95, 40:70] = 0.2  # a cast shadow falling below the piece, beyond the ring
    band = contact_band_mask(alpha, shadow, ring_px=6.0)

    yy, xx = np.mgrid[:120, :120]
    distance = np.hypot(xx - 50, yy - 60) - 20  # signed distance to the disc's edge
    assert not band[alpha >= OPAQUE_ALPHA].any()  # the interior is never repainted
    assert band[(distance > 1.5) & (distance < 5.5)].all()  # the ring, all around
    assert not band[(distance > 7.5) & (shadow == 0)].any()  # nothing beyond it but the shadow
    assert band[85:95, 40:70].all()  # the shadow area, 15 px and more below the disc
    assert not band[np.hypot(xx - 50, yy - 60) > 60].any()


def test_soft_edge_is_in_the_band_and_faint_shadow_is_not() -> None:
    alpha = np.asarray(cv2.GaussianBlur(_disc(80, (40, 40), 15), (0, 0), 1.5), np.float32)
    shadow = np.full_like(alpha, 0.01)  # below the 3 % darkening that counts as shadow
    band = contact_band_mask(alpha, shadow, ring_px=3.0)
    soft = (alpha > 0.05) & (alpha < OPAQUE_ALPHA)
    assert soft.any() and band[soft].all()
    assert not band[:5].any()  # far from the piece, a faint darkening is not part of the band


def test_ring_width_comes_from_the_template_scale_or_pixels() -> None:
    assert ring_width_px(px_per_mm=8.0, ring_mm=2.0, ring_px=None) == 16.0
    assert ring_width_px(px_per_mm=8.0, ring_mm=2.0, ring_px=5.0) == 5.0
    with pytest.raises(ValueError, match="positive"):
        ring_width_px(px_per_mm=8.0, ring_mm=None, ring_px=None)
    with pytest.raises(ValueError, match="ring_px"):
        contact_band_mask(np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32), 0.0)
    with pytest.raises(ValueError, match="equal"):
        contact_band_mask(np.zeros((4, 4), np.float32), np.zeros((4, 5), np.float32), 2.0)


def test_band_on_a_real_render_holds_its_shadow_and_not_the_metal(
    ring_render: RenderResult,
) -> None:
    composite = ring_render.variations[0].composite
    assert composite.alpha is not None
    band = contact_band_mask(composite.alpha, composite.shadow, ring_px=2.0)
    opaque = composite.alpha >= OPAQUE_ALPHA
    assert np.count_nonzero(opaque) > 50
    assert not band[opaque].any()
    assert band[(composite.shadow >= 0.03) & ~opaque].all()
    # The cast shadow reaches past the 2 px ring, and the band follows it there.
    outside = (composite.alpha <= 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, 5)
    assert np.count_nonzero(band & (distance > 3.0)) > 20
