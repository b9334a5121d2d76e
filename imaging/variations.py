"""Variations of one product: each differs in template, pose within tolerance, light and crop.

A variation is fully determined by its seed and its template, so any one can be reproduced exactly:
variation i of a run with base seed S uses seed S + i and the i-th template in rotation.
A preset's light direction, when given, is part of that determination: it moves where each
variation's light is aimed, never the random draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from imaging.geometry import angle_deg
from imaging.light import LightParams
from imaging.place import PoseJitter
from imaging.template import Template

# How far a variation may move away from the template's own light direction and framing.
LIGHT_JITTER_DEG = 12.0
CROP_ZOOM_RANGE = (1.0, 1.35)
CROP_SHIFT_MAX = 0.08  # fraction of the crop size
# The photo's own light cannot be changed: a preset's direction pulls a variation's light at most
# this far from it. QA's shadow direction counts that turn plus the shadow's own angle from where
# the turned light casts it, against an editorial limit of 20 degrees: 15 leaves the shadow room.
# Further, it would visibly disagree with the photo's light (QA's listing limit is 35 degrees).
LIGHT_FROM_SCENE_MAX_DEG = 15.0


@dataclass(frozen=True)
class Variation:
    """Everything that makes one variation differ from another of the same product."""

    index: int
    seed: int
    template: Template
    jitter: PoseJitter
    light: LightParams
    crop_zoom: float
    crop_shift: tuple[float, float]
    scale_nudge: float = 1.0  # the seller's correction of the piece's size, 1 = as the spec says
    offset_nudge_mm: tuple[float, float] = (0.0, 0.0)  # the seller's move, already in jitter


def nudged(variation: Variation, scale: float, offset_mm: tuple[float, float]) -> Variation:
    """The variation re-rendered with the seller's nudge: size times `scale`, moved by `offset_mm`
    (across the anchor, along it). Seed, template, light and crop stay, so only the nudge changes."""
    shift = variation.jitter.shift_mm
    jitter = replace(variation.jitter, shift_mm=(shift[0] + offset_mm[0], shift[1] + offset_mm[1]))
    return replace(variation, jitter=jitter, scale_nudge=scale, offset_nudge_mm=offset_mm)


def variation_for_seed(
    index: int, seed: int, template: Template, light_direction_deg: float | None = None
) -> Variation:
    """The variation that `seed` gives on `template`; `index` only numbers it.

    Its light is jittered around the template's own direction, or, with `light_direction_deg`
    (where shadows fall: screen degrees, 0 = right, 90 = down), around that direction but never
    more than LIGHT_FROM_SCENE_MAX_DEG away from the template's.
    """
    rng = np.random.default_rng(seed)
    tolerance = template.annotation
    rotation, shift_x, shift_y, light_angle, zoom, crop_x, crop_y, strength = rng.uniform(-1, 1, 8)
    light_offset = float(light_angle * LIGHT_JITTER_DEG)
    if light_direction_deg is not None:
        light_offset = light_offset_toward(template, light_direction_deg, light_offset)
    return Variation(
        index=index,
        seed=seed,
        template=template,
        jitter=PoseJitter(
            rotation_deg=float(rotation * tolerance.pose_tolerance_deg),
            shift_mm=(
                float(shift_x * tolerance.pose_tolerance_mm),
                float(shift_y * tolerance.pose_tolerance_mm),
            ),
        ),
        light=LightParams(
            angle_jitter_deg=light_offset,
            shadow_strength=float(0.55 + 0.1 * strength),
            seed=seed,
        ),
        crop_zoom=float(np.interp(zoom, (-1, 1), CROP_ZOOM_RANGE)),
        crop_shift=(float(crop_x * CROP_SHIFT_MAX), float(crop_y * CROP_SHIFT_MAX)),
    )


def plan_variations(
    count: int,
    base_seed: int,
    templates: Sequence[Template],
    light_direction_deg: float | None = None,
) -> list[Variation]:
    """`count` variations rotating through `templates`, seeds base_seed, base_seed + 1, ...;
    with `light_direction_deg`, each one's light is aimed at that direction (variation_for_seed)."""
    if count < 1:
        raise ValueError("variations must be at least 1")
    if not templates:
        raise ValueError("no templates to render on")
    return [
        variation_for_seed(i, base_seed + i, templates[i % len(templates)], light_direction_deg)
        for i in range(count)
    ]


def light_offset_toward(template: Template, direction_deg: float, jitter_deg: float) -> float:
    """The rotation from the template's light to `direction_deg` plus `jitter_deg`, limited to
    LIGHT_FROM_SCENE_MAX_DEG either way (the LightParams.angle_jitter_deg that aims there)."""
    if not np.isfinite(direction_deg):
        raise ValueError(f"light direction must be a finite angle, got {direction_deg}")
    scene_deg = angle_deg(template.annotation.light_direction)
    wanted = (direction_deg - scene_deg + 180.0) % 360.0 - 180.0 + jitter_deg
    return float(np.clip(wanted, -LIGHT_FROM_SCENE_MAX_DEG, LIGHT_FROM_SCENE_MAX_DEG))
