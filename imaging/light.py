"""Lighting the placed piece into the scene: shadows, exposure and white point, grain and blur."""

from __future__ import annotations

from dataclasses import dataclass

from imaging.geometry import Vector
from imaging.image_io import FloatImage
from imaging.place import Placement
from imaging.template import Template


@dataclass(frozen=True)
class LightParams:
    """A variation's lighting choices. Angles are relative to the template's light direction."""

    angle_jitter_deg: float = 0.0
    shadow_strength: float = 0.55  # darkening of the contact shadow at the contact line, 0..1
    cast_shadow_mm: float = 1.2  # how far the cast shadow falls from the piece
    seed: int = 0  # grain seed


@dataclass
class Composite:
    """The lit render and the layers that made it (all at the template's size)."""

    rgb: FloatImage  # the final image, sRGB [0, 1]
    shadow: FloatImage  # multiplicative darkening applied to the scene, 0 = none, 1 = black
    piece_rgb: FloatImage  # the piece's colours after exposure and white-point matching
    light_direction: Vector  # the direction actually used (template's, plus jitter)


def light_and_composite(template: Template, placement: Placement, params: LightParams) -> Composite:
    """Composite `placement` over the template photo with shadows and matched exposure, grain and blur."""
    raise NotImplementedError
