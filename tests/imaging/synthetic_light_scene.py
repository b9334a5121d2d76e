"""Synthetic inputs for the light, QA and overlay tests: a skin-coloured template and a gold disc
(or ring) placed on it, where every truth (scale, light, noise, edge softness) is known."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.special import erfc
from skimage.color import rgb2lab

from imaging.cutout import Cutout
from imaging.geometry import Point, Vector
from imaging.image_io import FloatImage
from imaging.jewelry import BodyRegion
from imaging.place import Placement
from imaging.template import Annotation, NeckAnchor, Template

SKIN = (0.86, 0.67, 0.55)
BACKGROUND = (0.30, 0.35, 0.42)
GOLD = (0.85, 0.68, 0.25)
PX_PER_MM = 8.0
DISC_MM = 15.0
SOURCE_SCALE = 2.0  # the source photo shows the disc this many times larger than the render


def make_template(
    size: int = 320,
    light: Vector = (0.6, 0.8),
    noise: float = 0.01,
    softness_px: float = 0.0,
    body_from_x: int = 40,
    shade: float = 1.0,
    seed: int = 0,
) -> Template:
    """Skin with freckle-like marks (edges to measure blur on), background left of `body_from_x`,
    lit `shade` times as brightly as its annotated skin colour, blurred and with sensor noise."""
    rng = np.random.default_rng(seed)
    rgb = np.empty((size, size, 3), dtype=np.float32)
    rgb[:] = np.array(SKIN, dtype=np.float32) * shade ** (1 / 2.2)
    for _ in range(size // 3):
        x, y = rng.integers(0, size - 8, 2)
        w, h = rng.integers(3, 8, 2)
        rgb[y : y + h, x : x + w] *= 0.7
    body = np.ones((size, size), dtype=np.float32)
    body[:, :body_from_x] = 0.0
    rgb[:, :body_from_x] = BACKGROUND
    if softness_px > 0:
        rgb = np.asarray(cv2.GaussianBlur(rgb, (0, 0), softness_px), dtype=np.float32)
    rgb = np.clip(rgb + rng.normal(0.0, noise, rgb.shape), 0.0, 1.0).astype(np.float32)
    skin_lab = rgb2lab(np.array([[SKIN]], dtype=np.float64))[0, 0]
    annotation = Annotation(
        region=BodyRegion.NECK,
        px_per_mm=PX_PER_MM,
        scale_source="generated",
        light_direction=light,
        skin_lab=(float(skin_lab[0]), float(skin_lab[1]), float(skin_lab[2])),
        # The light tests place their disc by hand; a neck template still has its anchor.
        neck=NeckAnchor(
            left=(size * 0.3, size * 0.2),
            right=(size * 0.7, size * 0.2),
            notch=(size * 0.5, size * 0.3),
            down=(0.0, 1.0),
        ),
    )
    return Template(name="synthetic", rgb=rgb, annotation=annotation, body_mask=body)


def disc_layers(
    shape: tuple[int, int],
    center: Point,
    radius_px: float,
    edge_sigma_px: float,
    hole_px: float = 0.0,
    colour: tuple[float, float, float] = GOLD,
) -> tuple[FloatImage, FloatImage]:
    """A gold disc (or ring when hole_px > 0) with engraved circles: (rgb, alpha)."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    r = np.hypot(xs - center[0], ys - center[1])
    alpha = _inside(radius_px - r, edge_sigma_px)
    if hole_px > 0:
        alpha *= _inside(r - hole_px, edge_sigma_px)
    shading = 0.92 + 0.12 * (xs - center[0] + center[1] - ys) / (2 * radius_px)
    engraved = np.where(np.abs((r / radius_px * 6) % 1 - 0.5) < 0.08, 0.75, 1.0)
    rgb = np.array(colour, dtype=np.float32) * (shading * engraved)[..., None]
    return np.clip(rgb, 0, 1).astype(np.float32), alpha.astype(np.float32)


def make_placement(
    template: Template,
    center: Point = (180.0, 160.0),
    diameter_mm: float = DISC_MM,
    edge_sigma_px: float = 0.7,
    hole_mm: float = 0.0,
    colour: tuple[float, float, float] = GOLD,
    drawn_mm: float | None = None,
) -> Placement:
    """A flat disc resting on the skin; `drawn_mm` draws it at another size than the spec says."""
    radius = (drawn_mm or diameter_mm) * PX_PER_MM / 2
    rgb, alpha = disc_layers(
        (template.height, template.width),
        center,
        radius,
        edge_sigma_px,
        hole_mm * PX_PER_MM / 2,
        colour,
    )
    return Placement(
        rgb=rgb,
        alpha=alpha.copy(),
        alpha_unoccluded=alpha,
        contact=alpha.copy(),
        measure_mask=alpha.copy(),
        measure_axis=(0.0, 1.0),
        expected_extent_mm=diameter_mm,
        extent_name="pendant height",
        anchor_points=((center[0], center[1] - radius),),
        enlargement=1.0 / SOURCE_SCALE,
    )


def make_source(scale: float = SOURCE_SCALE, edge_sigma_px: float = 0.7) -> Cutout:
    """The cut-out the placement came from: the same disc `scale` times larger, on white."""
    radius = DISC_MM * PX_PER_MM / 2 * scale
    side = int(2 * radius + 20)
    rgb, alpha = disc_layers((side, side), (side / 2, side / 2), radius, edge_sigma_px * scale)
    return Cutout(rgb=rgb, alpha=alpha, offset=(0, 0), background_rgb=(1.0, 1.0, 1.0))


def _inside(signed_distance: FloatImage, sigma: float) -> FloatImage:
    if sigma <= 0:
        return (signed_distance >= 0).astype(np.float32)
    return (0.5 * erfc(-signed_distance / (np.sqrt(2) * sigma))).astype(np.float32)
