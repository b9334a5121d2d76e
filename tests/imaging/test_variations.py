"""A preset's light direction aims each variation's light, within what the photo's light allows;
without one, variations are planned exactly as before (a seed reproduces its variation)."""

from __future__ import annotations

import math

import pytest

from imaging.geometry import angle_deg
from imaging.jewelry import BodyRegion
from imaging.samples.models import make_template
from imaging.template import Template
from imaging.variations import (
    LIGHT_FROM_SCENE_MAX_DEG,
    LIGHT_JITTER_DEG,
    Variation,
    light_offset_toward,
    plan_variations,
)


@pytest.fixture(scope="module")
def template() -> Template:
    return make_template(BodyRegion.HAND, width=256, height=256)


def _offsets(plan: list[Variation]) -> list[float]:
    return [v.light.angle_jitter_deg for v in plan]


def test_without_a_direction_the_light_is_jittered_around_the_photos_own(
    template: Template,
) -> None:
    offsets = _offsets(plan_variations(12, 40, [template]))
    assert all(abs(o) <= LIGHT_JITTER_DEG for o in offsets)
    assert max(offsets) - min(offsets) > LIGHT_JITTER_DEG  # they do differ
    scene = angle_deg(template.annotation.light_direction)
    assert _offsets(plan_variations(12, 40, [template], scene)) == pytest.approx(offsets)


def test_a_direction_near_the_photos_light_moves_every_variation_toward_it(
    template: Template,
) -> None:
    scene = angle_deg(template.annotation.light_direction)
    plain = _offsets(plan_variations(6, 7, [template]))
    aimed = _offsets(plan_variations(6, 7, [template], (scene + 5.0) % 360.0))
    for before, after in zip(plain, aimed, strict=True):
        assert after == pytest.approx(min(before + 5.0, LIGHT_FROM_SCENE_MAX_DEG))


@pytest.mark.parametrize(("turn", "limit"), [(90.0, 1), (-120.0, -1), (179.0, 1)])
def test_a_direction_far_from_the_photos_light_stops_at_the_limit(
    template: Template, turn: float, limit: int
) -> None:
    scene = angle_deg(template.annotation.light_direction)
    aimed = _offsets(plan_variations(5, 3, [template], (scene + turn) % 360.0))
    assert aimed == pytest.approx([limit * LIGHT_FROM_SCENE_MAX_DEG] * 5)


def test_a_direction_must_be_a_finite_angle(template: Template) -> None:
    with pytest.raises(ValueError, match="finite"):
        light_offset_toward(template, math.nan, 0.0)
