"""Lighting and compositing on a synthetic skin template with a gold disc, where the truths are known."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from imaging.errors import ImagingError
from imaging.geometry import angle_between_deg, rotate
from imaging.light import (
    EXPOSURE_GAIN_RANGE,
    LightParams,
    _gray,
    _noise_sigma,
    light_and_composite,
)
from tests.imaging.synthetic_light_scene import make_placement, make_template


def _shadow_direction(shadow: np.ndarray, alpha: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0 : shadow.shape[0], 0 : shadow.shape[1]]
    outside = np.where(alpha < 1e-3, shadow, 0.0)
    dx = (outside * xs).sum() / outside.sum() - (alpha * xs).sum() / alpha.sum()
    dy = (outside * ys).sum() / outside.sum() - (alpha * ys).sum() / alpha.sum()
    return float(dx), float(dy)


def test_only_the_crop_around_the_piece_changes() -> None:
    template = make_template()
    composite = light_and_composite(template, make_placement(template), LightParams())
    assert composite.box is not None
    rows, cols = composite.box.slices
    outside = np.ones(template.rgb.shape[:2], dtype=bool)
    outside[rows, cols] = False
    assert np.array_equal(composite.rgb[outside], template.rgb[outside])
    assert (composite.box.bottom - composite.box.top) < 0.7 * template.height


@pytest.mark.parametrize("light", [(0.6, 0.8), (-1.0, 0.0), (0.0, -1.0)])
@pytest.mark.parametrize("jitter", [0.0, 25.0])
def test_shadow_falls_along_the_jittered_light(light: tuple[float, float], jitter: float) -> None:
    template = make_template(light=light)
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams(angle_jitter_deg=jitter))
    expected = rotate(light, jitter)
    assert angle_between_deg(composite.light_direction, expected) < 0.01
    measured = _shadow_direction(composite.shadow, placement.alpha_unoccluded)
    assert angle_between_deg(measured, expected) < 5.0


def test_contact_shadow_darkens_the_skin_next_to_the_piece_only() -> None:
    template = make_template(noise=0.0)
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams(shadow_strength=0.55))
    ys, xs = np.mgrid[0 : template.height, 0 : template.width]
    r = np.hypot(xs - 180.0, ys - 160.0)
    radius = 7.5 * 8
    next_to = (r > radius + 2) & (r < radius + 4)
    far = r > radius + 40
    darkening = 1 - composite.rgb.mean(axis=2) / template.rgb.mean(axis=2)
    assert darkening[next_to].mean() > 0.08
    assert np.abs(darkening[far]).max() < 1e-4


def test_shadow_stays_on_the_body() -> None:
    template = make_template(body_from_x=140)
    placement = make_placement(template, center=(180.0, 160.0))
    composite = light_and_composite(template, placement, LightParams(angle_jitter_deg=90))
    assert composite.shadow[:, :140].max() == 0.0
    assert composite.shadow[:, 140:].max() > 0.3


def test_hair_in_front_of_the_piece_gets_no_shadow() -> None:
    template = make_template()
    hair = np.zeros(template.rgb.shape[:2], dtype=np.float32)
    hair[:160] = 1.0  # hair over the top half of the disc
    template = dataclasses.replace(template, hair_mask=hair)
    placement = make_placement(template)
    hidden = dataclasses.replace(placement, alpha=placement.alpha * (1.0 - hair))
    composite = light_and_composite(template, hidden, LightParams(angle_jitter_deg=180))
    assert composite.shadow[:160].max() == 0.0
    assert composite.shadow[160:].max() > 0.3
    assert np.abs(composite.rgb[:150] - template.rgb[:150]).max() < 1e-4


def test_metal_colour_survives_on_a_normal_template() -> None:
    template = make_template(noise=0.015)
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams())
    solid = placement.alpha > 0.9
    difference = deltaE_ciede2000(rgb2lab(placement.rgb[solid]), rgb2lab(composite.rgb[solid]))
    assert np.median(difference) <= 2.0
    assert 0.97 < composite.exposure_gain < 1.03


def test_piece_in_shade_is_darkened_within_limits_without_a_hue_shift() -> None:
    template = make_template(shade=0.5, noise=0.0)
    placement = make_placement(template)
    composite = light_and_composite(template, placement, LightParams())
    low = EXPOSURE_GAIN_RANGE[0]
    assert composite.exposure_gain == pytest.approx(low)  # sqrt(0.5) = 0.71, limited to the range
    solid = placement.alpha > 0.99
    before, after = rgb2lab(placement.rgb[solid]), rgb2lab(composite.rgb[solid])
    assert np.median(after[:, 0]) < np.median(before[:, 0]) - 1.5
    hue_shift = np.degrees(
        np.arctan2(after[:, 2], after[:, 1]) - np.arctan2(before[:, 2], before[:, 1])
    )
    assert abs(float(np.median(hue_shift))) < 1.0


def test_grain_matches_the_scene_noise_and_follows_the_seed() -> None:
    template = make_template(noise=0.03)
    placement = make_placement(template)
    first = light_and_composite(template, placement, LightParams(seed=4))
    again = light_and_composite(template, placement, LightParams(seed=4))
    other = light_and_composite(template, placement, LightParams(seed=5))
    assert np.array_equal(first.rgb, again.rgb)
    assert not np.array_equal(first.rgb, other.rgb)
    solid = placement.alpha_unoccluded > 0.999
    scene_noise = _noise_sigma(_gray(template.rgb), placement.alpha_unoccluded == 0)
    piece_noise = _noise_sigma(_gray(first.rgb), solid)
    assert piece_noise == pytest.approx(scene_noise, rel=0.25)
    clean = light_and_composite(make_template(noise=0.0), placement, LightParams())
    assert _noise_sigma(_gray(clean.rgb), solid) < 0.2 * scene_noise


def test_a_soft_scene_softens_the_piece_and_a_sharp_one_does_not() -> None:
    sharp = make_template(softness_px=0.0)
    soft = make_template(softness_px=2.0)
    placement = make_placement(sharp)
    sharp_render = light_and_composite(sharp, placement, LightParams())
    soft_render = light_and_composite(soft, placement, LightParams())
    assert sharp_render.blur_sigma_px < 0.8
    assert soft_render.blur_sigma_px > 1.2

    def detail(rgb: np.ndarray) -> float:
        solid = placement.alpha_unoccluded > 0.999
        return float(np.abs(np.diff(_gray(rgb), axis=1))[solid[:, 1:]].mean())

    assert detail(soft_render.piece_rgb) < 0.7 * detail(sharp_render.piece_rgb)


def test_an_empty_piece_is_a_clear_error() -> None:
    template = make_template()
    placement = make_placement(template)
    nothing = np.zeros_like(placement.alpha)
    empty = dataclasses.replace(placement, alpha=nothing, alpha_unoccluded=nothing)
    with pytest.raises(ImagingError, match="no pixels"):
        light_and_composite(template, empty, LightParams())
