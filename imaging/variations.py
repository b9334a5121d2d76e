"""Variations of one product: each differs in template, pose within tolerance, light and crop.

A variation is fully determined by its seed and its template, so any one can be reproduced exactly:
variation i of a run with base seed S uses seed S + i and the i-th template in rotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from imaging.light import LightParams
from imaging.place import PoseJitter
from imaging.template import Template

# How far a variation may move away from the template's own light direction and framing.
LIGHT_JITTER_DEG = 12.0
CROP_ZOOM_RANGE = (1.0, 1.35)
CROP_SHIFT_MAX = 0.08  # fraction of the crop size


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


def variation_for_seed(index: int, seed: int, template: Template) -> Variation:
    """The variation that `seed` gives on `template`; `index` only numbers it."""
    rng = np.random.default_rng(seed)
    tolerance = template.annotation
    rotation, shift_x, shift_y, light_angle, zoom, crop_x, crop_y, strength = rng.uniform(-1, 1, 8)
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
            angle_jitter_deg=float(light_angle * LIGHT_JITTER_DEG),
            shadow_strength=float(0.55 + 0.1 * strength),
            seed=seed,
        ),
        crop_zoom=float(np.interp(zoom, (-1, 1), CROP_ZOOM_RANGE)),
        crop_shift=(float(crop_x * CROP_SHIFT_MAX), float(crop_y * CROP_SHIFT_MAX)),
    )


def plan_variations(count: int, base_seed: int, templates: Sequence[Template]) -> list[Variation]:
    """`count` variations rotating through `templates`, seeds base_seed, base_seed + 1, ..."""
    if count < 1:
        raise ValueError("variations must be at least 1")
    if not templates:
        raise ValueError("no templates to render on")
    return [
        variation_for_seed(i, base_seed + i, templates[i % len(templates)]) for i in range(count)
    ]
