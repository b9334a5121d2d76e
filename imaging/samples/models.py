"""Synthetic model templates: stylised photos of a neck, ear, hand and wrist drawn by code.

Every body part is a polygon in millimetres, inflated into a rounded surface (distance transform ->
height -> normals) and lit by a soft key light from the upper left, so the annotation is exact:
anchors, scale (px_per_mm), light direction, the body and hair masks and the median skin colour.
The anatomy is drawn at real size (neck about 110 mm wide, ring finger 17 mm, wrist 55 mm), and the
frame's width in millimetres sets the default scale, e.g. 256 mm for a neck at 2048 px = 8 px/mm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.color import rgb2lab

from imaging.geometry import Point, unit
from imaging.image_io import FloatImage
from imaging.jewelry import BodyRegion
from imaging.template import (
    Annotation,
    EarAnchor,
    FingerAnchor,
    NeckAnchor,
    Template,
    WristAnchor,
)

Array = NDArray[np.float32]
Polygon = Sequence[Point]

# The Monk Skin Tone scale's ten swatches (sRGB), 1 lightest to 10 deepest.
MONK_SKIN_TONES: dict[int, tuple[float, float, float]] = {
    1: (0.965, 0.929, 0.894),
    2: (0.953, 0.906, 0.859),
    3: (0.969, 0.918, 0.816),
    4: (0.918, 0.855, 0.729),
    5: (0.843, 0.741, 0.588),
    6: (0.627, 0.494, 0.337),
    7: (0.510, 0.361, 0.263),
    8: (0.376, 0.255, 0.204),
    9: (0.227, 0.192, 0.165),
    10: (0.161, 0.141, 0.125),
}

# Width of the default frame in millimetres per region (a 2048 px frame gives the usual scale).
FRAME_WIDTH_MM: dict[BodyRegion, float] = {
    BodyRegion.NECK: 256.0,
    BodyRegion.EAR: 140.0,
    BodyRegion.HAND: 170.0,
    BodyRegion.WRIST: 170.0,
}

SAMPLE_LIBRARY_TONES = (3, 7)

# The key light comes from the upper left and a little in front; in the image plane it travels
# down and to the right, which is where cast shadows fall.
_LIGHT = np.array([-0.45, -0.55, 0.70]) / np.linalg.norm([-0.45, -0.55, 0.70])
LIGHT_DIRECTION = unit((0.45, 0.55))

_BACKDROPS = (
    ((0.80, 0.76, 0.71), (0.64, 0.60, 0.56)),  # warm greige
    ((0.74, 0.77, 0.80), (0.56, 0.59, 0.63)),  # cool grey
    ((0.82, 0.74, 0.72), (0.66, 0.57, 0.56)),  # soft blush
    ((0.72, 0.76, 0.70), (0.54, 0.58, 0.52)),  # sage
)
_GARMENTS = ((0.08, 0.08, 0.09), (0.12, 0.16, 0.30), (0.42, 0.12, 0.16), (0.86, 0.84, 0.80))
_HAIR = ((0.10, 0.07, 0.05), (0.24, 0.15, 0.09), (0.55, 0.42, 0.26), (0.05, 0.05, 0.05))


def _to_linear(srgb: NDArray[np.floating]) -> Array:
    s = np.asarray(srgb, dtype=np.float32)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _to_srgb(linear: NDArray[np.floating]) -> Array:
    c = np.clip(linear, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def _smooth_outline(points: Polygon, rounds: int = 4, closed: bool = True) -> NDArray[np.float64]:
    """Chaikin corner cutting: a few rounds turn control points into a smooth outline."""
    p = np.asarray(points, dtype=np.float64)
    for _ in range(rounds):
        q = np.roll(p, -1, axis=0) if closed else p[1:]
        base = p if closed else p[:-1]
        cut = np.empty((2 * len(base), 2))
        cut[0::2] = 0.75 * base + 0.25 * q
        cut[1::2] = 0.25 * base + 0.75 * q
        p = cut if closed else np.vstack([p[:1], cut, p[-1:]])
    return p


def _tapered_finger(base: Point, angle_deg: float, length: float, width: float) -> list[Point]:
    """Outline of a finger from its base along `angle_deg` (0 = up), tapering, with a round tip."""
    a = math.radians(angle_deg)
    ax, ay = math.sin(a), -math.cos(a)  # along the finger
    px, py = -ay, ax  # across, to the finger's right
    tip_half = 0.42 * width
    straight = length - tip_half
    left, right = [], []
    for t in np.linspace(0.0, 1.0, 12):
        half = width / 2 * (1 - 0.16 * t)
        cx, cy = base[0] + ax * straight * t, base[1] + ay * straight * t
        right.append((cx + px * half, cy + py * half))
        left.append((cx - px * half, cy - py * half))
    tip_center = (base[0] + ax * straight, base[1] + ay * straight)
    tip = []
    for s in np.linspace(0.0, math.pi, 13)[1:-1]:
        ux = px * math.cos(s) + ax * math.sin(s)
        uy = py * math.cos(s) + ay * math.sin(s)
        tip.append((tip_center[0] + ux * tip_half, tip_center[1] + uy * tip_half))
    return right + tip + left[::-1]


@dataclass
class _Scene:
    """A frame being painted in linear light, with helpers that take millimetre coordinates."""

    width: int
    height: int
    px_per_mm: float
    rng: np.random.Generator
    rgb: Array
    texture: Array | None = None  # the skin's brightness variation

    def px(self, point: Point) -> Point:
        """Millimetres from the frame's centre to pixel coordinates."""
        return (
            self.width / 2 + point[0] * self.px_per_mm,
            self.height / 2 + point[1] * self.px_per_mm,
        )

    def mask(self, polygon: Polygon, smooth: int = 4) -> Array:
        """Anti-aliased coverage of a polygon given in mm (its corners rounded off)."""
        outline = _smooth_outline(polygon, smooth) if smooth else np.asarray(polygon)
        pts = np.array([self.px(tuple(p)) for p in outline]) * 16.0
        canvas = np.zeros((self.height, self.width), np.uint8)
        cv2.fillPoly(
            canvas, [np.round(pts).astype(np.int32)], (255,), lineType=cv2.LINE_AA, shift=4
        )
        return canvas.astype(np.float32) / 255.0

    def stroke(self, points: Polygon, width_mm: float, smooth: int = 3) -> Array:
        """Anti-aliased coverage of an open curve of the given width."""
        outline = _smooth_outline(points, smooth, closed=False)
        pts = np.array([self.px(tuple(p)) for p in outline]) * 16.0
        canvas = np.zeros((self.height, self.width), np.uint8)
        thickness = max(round(width_mm * self.px_per_mm), 1)
        curve = [np.round(pts).astype(np.int32)]
        cv2.polylines(canvas, curve, False, (255,), thickness, lineType=cv2.LINE_AA, shift=4)
        return canvas.astype(np.float32) / 255.0

    def shadow(self, mask: Array, offset_mm: float, blur_mm: float, strength: float) -> None:
        """Darken what is painted so far by the soft shadow `mask` casts along the light."""
        reach = (offset_mm + 3.0 * blur_mm) * self.px_per_mm
        box = _box(mask, int(reach) + 2)
        if box is None:
            return
        local = mask[box]
        dx, dy = (c * offset_mm * self.px_per_mm for c in LIGHT_DIRECTION)
        shift = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
        moved = np.asarray(
            cv2.warpAffine(local, shift, (local.shape[1], local.shape[0])), np.float32
        )
        soft = _blur(moved, blur_mm * self.px_per_mm)
        self.rgb[box] *= (1.0 - strength * soft)[..., None]

    def tone(self, mask: Array, amount: float, blur_mm: float, within: Array | None = None) -> None:
        """Brighten (amount > 0) or darken the frame where the softened `mask` lies: ridges,
        creases, hollows. `within` limits the effect to another mask."""
        box = _box(mask, int(3.0 * blur_mm * self.px_per_mm) + 2)
        if box is None:
            return
        soft = _blur(mask[box], blur_mm * self.px_per_mm)
        if within is not None:
            soft = soft * within[box]
        self.rgb[box] *= (1.0 + amount * soft)[..., None]

    def paint(self, mask: Array, colour: Array) -> None:
        """Lay `colour` (H x W x 3, or one linear RGB) over the frame where `mask` covers."""
        m = mask[..., None]
        self.rgb[:] = self.rgb * (1.0 - m) + colour * m

    def paint_surface(
        self,
        mask: Array,
        roundness_mm: float,
        colour: Array,
        texture: Array | None = None,
        sheen: float = 0.035,
        opacity: Array | None = None,
    ) -> None:
        """Paint a rounded surface (skin, fabric, hair) shaped like `mask`, lit by the key light.

        `colour` is the linear albedo, `texture` (H x W) varies it, and `opacity` (H x W) fades
        the paint without changing the shape, e.g. where a neck meets the chest. Wrapped diffuse
        light and a broad sheen; only the mask's bounding box is shaded.
        """
        box = _box(mask, 0)
        if box is None:
            return
        m = mask[box]
        h, w = m.shape
        # Light varies smoothly: shade a half-size copy of big surfaces and scale it back up.
        step = 2 if min(h, w) > 64 else 1
        light, warmth, glint = _lighting(
            m[::step, ::step], roundness_mm * self.px_per_mm / step, sheen
        )
        if step > 1:
            light, warmth, glint = (_resized(c, w, h) for c in (light, warmth, glint))
        if texture is not None:
            light, warmth = light * texture[box], warmth * texture[box]
        albedo = np.asarray(colour, np.float32)
        # Light that scatters under the skin warms the shadow side a little.
        warm = albedo * np.array([0.06, -0.03, -0.08], np.float32)
        shaded = albedo * light[..., None] + warm * warmth[..., None] + glint[..., None]
        cover = (m if opacity is None else m * opacity[box])[..., None]
        self.rgb[box] += (shaded - self.rgb[box]) * cover


def _box(mask: Array, pad: int) -> tuple[slice, slice] | None:
    """The bounding box of a mask's non-zero pixels grown by `pad`, clipped to the frame."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return None
    h, w = mask.shape
    return (
        slice(max(rows[0] - pad, 0), min(rows[-1] + 1 + pad, h)),
        slice(max(cols[0] - pad, 0), min(cols[-1] + 1 + pad, w)),
    )


def _blur(image: Array, sigma_px: float) -> Array:
    if sigma_px < 0.3:
        return image
    # Blur a small copy for wide kernels: the result is smooth anyway.
    factor = max(int(sigma_px // 6), 1)
    if factor == 1:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma_px), np.float32)
    h, w = image.shape[:2]
    small = cv2.resize(
        image, (max(w // factor, 1), max(h // factor, 1)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigma_px / factor)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def _resized(image: Array, width: int, height: int) -> Array:
    return np.asarray(
        cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR), np.float32
    )


def _lighting(mask: Array, roundness_px: float, sheen: float) -> tuple[Array, Array, Array]:
    """Diffuse light, its warm shadow-side share and the sheen of a surface shaped like `mask`."""
    # Pad so the distance transform sees the frame's edge as more body, not as an outline.
    pad = 2
    padded = np.asarray(
        cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_REPLICATE), np.float32
    )
    nx, ny, nz = (c[pad:-pad, pad:-pad] for c in _inflate(padded, roundness_px))
    ndl = nx * _LIGHT[0] + ny * _LIGHT[1] + nz * _LIGHT[2]
    wrap = np.minimum(np.maximum((ndl + 0.35) / 1.35, 0.0), 1.0)
    glint = np.maximum(2 * nz * ndl - _LIGHT[2], 0.0)  # reflected view . light
    glint = glint * glint
    glint = glint * glint * glint * sheen  # a broad Phong lobe, power 6
    light = 0.22 + 0.86 * wrap
    return light, light * (1.0 - wrap), glint


def _inflate(mask: Array, radius_px: float) -> tuple[Array, Array, Array]:
    """Normals of the mask puffed up like a cushion: round within `radius_px` of its edge."""
    inside = (mask > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    t = np.clip(distance / radius_px, 0.0, 1.0)
    height = radius_px * np.sqrt(1.0 - (1.0 - t) ** 2)
    height = _blur(height.astype(np.float32), max(radius_px * 0.12, 1.0))
    gy, gx = np.gradient(height)
    norm = np.sqrt(gx * gx + gy * gy + 1.0)
    return (
        (-gx / norm).astype(np.float32),
        (-gy / norm).astype(np.float32),
        (1.0 / norm).astype(np.float32),
    )


def _backdrop(scene: _Scene) -> None:
    """A plain studio backdrop: a soft diagonal gradient with a few defocused blotches."""
    choice = _BACKDROPS[int(scene.rng.integers(len(_BACKDROPS)))]
    light, dark = (np.array(c, np.float32) for c in choice)
    h, w = max(scene.height // 8, 2), max(scene.width // 8, 2)  # smooth: paint it small
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    blotches = cv2.resize(
        scene.rng.uniform(-1, 1, (8, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    t = np.clip(0.55 * x + 0.65 * y + 0.15 * blotches, 0.0, 1.0)[..., None]
    small = _to_linear(light * (1.0 - t) + dark * t)
    scene.rgb[:] = cv2.resize(small, (scene.width, scene.height), interpolation=cv2.INTER_LINEAR)


def _low_noise(scene: _Scene, cells: int) -> Array:
    """Smooth random variation in [-1, 1] with about `cells` blobs across the frame."""
    coarse = scene.rng.uniform(-1.0, 1.0, (cells, cells)).astype(np.float32)
    size = (scene.width, scene.height)
    return np.asarray(cv2.resize(coarse, size, interpolation=cv2.INTER_CUBIC), np.float32)


def _skin_texture(scene: _Scene) -> Array:
    """A faint blotchy variation of the skin's brightness."""
    return (1.0 + 0.035 * _low_noise(scene, 24)).astype(np.float32)


def _finish(scene: _Scene) -> FloatImage:
    """To sRGB with fine sensor noise, as a camera would deliver it."""
    srgb = _to_srgb(scene.rgb)
    grain = scene.rng.standard_normal((scene.height, scene.width), dtype=np.float32) * 0.007
    return np.clip(srgb + grain[..., None], 0.0, 1.0).astype(np.float32)


def _median_lab(rgb: FloatImage, mask: Array) -> tuple[float, float, float]:
    pixels = rgb[mask > 0.99][::7]
    lab = rgb2lab(pixels[None, :, :])[0]
    median = np.median(lab, axis=0)
    return (round(float(median[0]), 2), round(float(median[1]), 2), round(float(median[2]), 2))


@dataclass
class _Drawn:
    """What a region's drawing knows besides the pixels."""

    body_mask: Array
    skin_mask: Array  # where the median skin colour is measured
    hair_mask: Array | None = None
    neck: NeckAnchor | None = None
    ears: EarAnchor | None = None
    finger: FingerAnchor | None = None
    wrist: WristAnchor | None = None


def _draw_neck(scene: _Scene, albedo: Array) -> _Drawn:
    """Neck and décolleté, chin at the top, a scoop-neck top; the notch sits just above centre."""
    rng = scene.rng
    neck_half = 55.0 + float(rng.uniform(-2.0, 2.0))
    torso = scene.mask(
        [
            (-200, 200),
            (-200, -12),
            (-128, -16),
            (-98, -24),
            (-74, -36),
            (-neck_half - 4, -52),
            (neck_half + 4, -52),
            (74, -36),
            (98, -24),
            (128, -16),
            (200, -12),
            (200, 200),
        ],
        smooth=3,
    )
    neck = scene.mask(
        [
            (-neck_half + 5, -200),
            (-neck_half + 2, -90),
            (-neck_half, -50),
            (-neck_half - 8, -25),
            (-neck_half - 8, 40),
            (neck_half + 8, 40),
            (neck_half + 8, -25),
            (neck_half, -50),
            (neck_half - 2, -90),
            (neck_half - 5, -200),
        ],
        smooth=3,
    )
    chin_y = -100.0 + float(rng.uniform(-4, 4))
    face = scene.mask(
        [
            (-150, -300),
            (-150, -140),
            (-62, -128),
            (-42, chin_y - 8),
            (0, chin_y),
            (42, chin_y - 8),
            (62, -128),
            (150, -140),
            (150, -300),
        ],
        smooth=4,
    )
    scene.shadow(torso, 8.0, 10.0, 0.45)
    scene.paint_surface(torso, 70.0, albedo, scene.texture)
    # The neck rises out of the chest: fade its lower end so no seam shows.
    y_mm = (np.arange(scene.height, dtype=np.float32) - scene.height / 2) / scene.px_per_mm
    fade = np.clip((-12.0 - y_mm) / 30.0, 0.0, 1.0)[:, None]
    scene.paint_surface(
        neck, 45.0, albedo, scene.texture, opacity=np.broadcast_to(fade, neck.shape)
    )
    # Collarbones: a lit ridge with a soft hollow under it, from the notch out to the shoulders.
    for side in (-1, 1):
        bone = [(side * 12, -10), (side * 45, -19), (side * 78, -21), (side * 104, -30)]
        scene.tone(scene.stroke(bone, 5.0), 0.16, 2.0)
        scene.tone(scene.stroke([(x, y + 8) for x, y in bone], 8.0), -0.22, 3.5)
    scene.tone(scene.mask([(-12, -14), (0, -6), (12, -14), (0, -9)]), -0.35, 3.5)
    scene.shadow(face, 14.0, 9.0, 0.5)
    scene.paint_surface(face, 40.0, albedo * 1.04, scene.texture)
    garment_colour = _to_linear(np.array(_GARMENTS[int(rng.integers(len(_GARMENTS)))]))
    neckline = [(-84, -40), (-60, 40), (-30, 92), (0, 104), (30, 92), (60, 40), (84, -40)]
    top = scene.mask(
        [(-300, 300), (-300, -10), (-116, -22), (-84, -40), *neckline[1:-1], (84, -40), (116, -22), (300, -10), (300, 300)],
        smooth=5,
    ) * torso  # fmt: skip
    scene.shadow(top, 2.0, 3.0, 0.35)
    fold = 1.0 + 0.08 * _low_noise(scene, 12)
    scene.paint_surface(top, 30.0, garment_colour, fold, sheen=0.02)
    skin = np.clip(np.maximum(torso, neck) - face - top, 0.0, 1.0)
    neck_anchor = NeckAnchor(
        left=scene.px((-neck_half + 1.5, -40.0)),
        right=scene.px((neck_half - 1.5, -40.0)),
        notch=scene.px((0.0, -10.0)),
        down=(0.0, 1.0),
    )
    return _Drawn(body_mask=skin, skin_mask=skin, neck=neck_anchor)


_EAR_OUTLINE = (
    (-2, -31), (8, -30), (15, -24), (17, -14), (16, -4), (13, 6), (10, 14), (9, 20), (8, 26),
    (4, 31), (-2, 31.5), (-6, 28), (-7, 22), (-8, 15), (-11, 8), (-10, 0), (-12, -8), (-11, -18),
    (-8, -27),
)  # fmt: skip


def _hair_streaks(scene: _Scene) -> Array:
    """Brightness of hair: fine streaks running down."""
    noise = scene.rng.uniform(-1.0, 1.0, (scene.height // 2, scene.width // 2)).astype(np.float32)
    streaks = cv2.blur(noise, (2, 41))
    streaks = cv2.resize(streaks / (streaks.std() + 1e-6), (scene.width, scene.height))
    return (1.0 + 0.3 * np.clip(streaks, -2.5, 2.5)).astype(np.float32)


def _draw_ear(scene: _Scene, albedo: Array) -> _Drawn:
    """Side view of the head facing left: cheek and neck, hair above and behind, the ear in front."""
    rng = scene.rng
    cx, cy = 8.0 + float(rng.uniform(-2, 2)), -22.0 + float(rng.uniform(-2, 2))
    head = scene.mask([(-80, -80), (80, -80), (80, 30), (44, 40), (30, 80), (-80, 80)])
    scene.paint_surface(head, 90.0, albedo, scene.texture)
    below_jaw = scene.mask([(-80, 36), (-34, 38), (-14, 42), (-4, 80), (-80, 80)])
    scene.tone(below_jaw, -0.22, 3.0)
    hair = scene.mask(
        [
            (-80, -80),
            (80, -80),
            (80, 36),
            (40, 44),
            (29, 26),
            (27, 2),
            (25, -22),
            (17, -37),
            (0, -42),
            (-20, -41),
            (-42, -37),
            (-80, -34),
        ]
    )
    hair_colour = _to_linear(np.array(_HAIR[int(rng.integers(len(_HAIR)))]))
    scene.shadow(hair, 2.0, 2.0, 0.35)
    scene.paint_surface(hair, 25.0, hair_colour, _hair_streaks(scene), sheen=0.12)
    ear = scene.mask([(cx + 1.12 * u, cy + v) for u, v in _EAR_OUTLINE])
    scene.shadow(ear, 3.0, 2.5, 0.5)
    scene.paint_surface(ear, 4.0, albedo * np.array([1.03, 0.96, 0.95], np.float32), scene.texture)
    px = scene.px_per_mm
    # The rolled rim (helix) with the groove inside it, the ridge inside that, and the bowl.
    rim = [(cx + 1.12 * u * 0.8, cy - 2 + v * 0.8) for u, v in _EAR_OUTLINE[:9]]
    ridge = [(cx + 1.12 * u * 0.6, cy - 1 + v * 0.6) for u, v in _EAR_OUTLINE[1:8]]
    scene.tone(scene.stroke(rim, 2.0), -0.5, 0.45, within=ear)
    scene.tone(scene.stroke(ridge, 2.6), 0.12, 0.8, within=ear)
    concha = scene.mask(
        [
            (cx - 9, cy - 4),
            (cx - 3, cy - 9),
            (cx + 3, cy - 5),
            (cx + 4, cy + 6),
            (cx - 2, cy + 12),
            (cx - 8, cy + 9),
        ]
    )
    scene.tone(concha, -0.45, 0.9)
    scene.tone(
        scene.stroke([(cx + 4, cy + 7), (cx - 1, cy + 13), (cx - 6, cy + 12)], 1.5), 0.12, 0.6
    )
    canal = scene.mask([(cx - 10, cy + 1), (cx - 7, cy - 1), (cx - 5, cy + 3), (cx - 8, cy + 5)])
    scene.tone(canal, -0.55, 1.0)
    lobe = (cx + 1.0, cy + 25.0)
    # Strands falling over the upper ear from the hairline; none reach the lobe.
    strands = np.zeros_like(ear)
    for _ in range(14):
        x0 = cx + float(rng.uniform(-12, 16))
        end = float(rng.uniform(cy - 26, cy - 8))
        drift = rng.uniform(-1.5, 3.5, 3)
        top = cy - 39.0
        path = [(x0, top)] + [
            (x0 + float(drift[k]), top + (end - top) * (k + 1) / 3) for k in range(3)
        ]
        strands = np.maximum(strands, scene.stroke(path, float(rng.uniform(0.25, 0.6))))
    lobe_px = scene.px(lobe)
    yy, xx = np.ogrid[: scene.height, : scene.width]
    clear = np.hypot(xx - lobe_px[0], yy - lobe_px[1]) > 8.0 * px
    strands = (strands * clear).astype(np.float32)
    scene.shadow(strands, 1.0, 0.8, 0.4)
    scene.paint(strands, hair_colour * 1.25)
    return _Drawn(
        body_mask=ear,
        skin_mask=np.clip(ear - strands, 0.0, 1.0),
        hair_mask=strands,
        ears=EarAnchor(lobes=(scene.px(lobe),), down=(0.0, 1.0), facing_right=(True,)),
    )


@dataclass(frozen=True)
class _Finger:
    knuckle: Point  # MCP joint, mm
    angle_deg: float  # 0 = straight up, positive leaning right
    length: float  # knuckle to tip
    width: float  # at the knuckle

    def along(self, distance: float) -> Point:
        a = math.radians(self.angle_deg)
        return (self.knuckle[0] + math.sin(a) * distance, self.knuckle[1] - math.cos(a) * distance)

    def outline(self) -> list[Point]:
        # The finger starts inside the back of the hand so no gap shows at the knuckle.
        return _tapered_finger(
            self.along(-_FINGER_ROOT), self.angle_deg, self.length + _FINGER_ROOT, self.width
        )

    def width_at(self, distance: float) -> float:
        t = (distance + _FINGER_ROOT) / (self.length + _FINGER_ROOT - 0.42 * self.width)
        return self.width * (1 - 0.16 * t)


_FINGER_ROOT = 8.0  # mm of finger drawn under the back of the hand
_PIP_FRACTION = 0.48  # knuckle to middle joint, as a share of the finger's length
_DIP_FRACTION = 0.76


def _detail_finger(scene: _Scene, finger: _Finger, albedo: Array) -> None:
    """Nail, joint creases and the knuckle's highlight on a painted finger."""
    for fraction, count in ((_PIP_FRACTION, 3), (_DIP_FRACTION, 2)):
        at = finger.length * fraction
        half = finger.width_at(at) * 0.28
        a = math.radians(finger.angle_deg)
        across = (math.cos(a), math.sin(a))
        for k in range(count):
            c = finger.along(at + (k - (count - 1) / 2) * 1.6)
            bend = finger.along(at + (k - (count - 1) / 2) * 1.6 + 0.8)
            crease = [
                (c[0] - across[0] * half, c[1] - across[1] * half),
                (bend[0], bend[1]),
                (c[0] + across[0] * half, c[1] + across[1] * half),
            ]
            scene.tone(scene.stroke(crease, 0.35, 2), -0.16, 0.35)
    knuckle = scene.mask(_tapered_finger(finger.along(-5.0), finger.angle_deg, 10.0, 12.0))
    scene.tone(knuckle, 0.07, 3.0)
    nail_len = 0.17 * finger.length
    nail_w = finger.width_at(finger.length - nail_len) * 0.62
    # A nail is rounded at both ends, at its free edge and along the cuticle: intersect two
    # finger-like outlines that round off at opposite ends.
    start, end = finger.length - 2.2 - nail_len, finger.length - 2.2
    angle = finger.angle_deg
    toward_tip = _tapered_finger(finger.along(start - nail_len), angle, 2 * nail_len, nail_w)
    toward_hand = _tapered_finger(finger.along(end + nail_len), angle + 180.0, 2 * nail_len, nail_w)
    nail = scene.mask(toward_tip) * scene.mask(toward_hand)
    nail_colour = albedo * 0.65 + _to_linear(np.array([0.86, 0.72, 0.70])) * 0.35
    scene.shadow(nail, 0.3, 0.3, 0.25)
    scene.paint_surface(nail, 3.0, nail_colour, sheen=0.25)


def _draw_hand(scene: _Scene, albedo: Array) -> _Drawn:
    """The back of a hand, fingers up and a little apart, thumb out to the left."""
    rng = scene.rng
    lean = float(rng.uniform(-3, 3))
    fingers = {
        "index": _Finger((-27.0, 18.0), -7.0 + lean, 86.0, 18.5),
        "middle": _Finger((-8.0, 14.0), -1.0 + lean, 94.0, 18.5),
        "little": _Finger((29.0, 22.0), 12.0 + lean, 70.0, 15.5),
        "ring": _Finger((11.0, 16.0), 5.0 + lean, 88.0, 17.8),
    }
    thumb = _tapered_finger((-26.0, 66.0), -50.0 + lean, 74.0, 24.0)
    back = [(-31, 95), (-34, 62), (-42, 34), (-38, 8), (-18, 0), (0, -2), (20, 2), (37, 12)]
    back += [(40, 34), (34, 62), (30, 95)]
    parts = [scene.mask(thumb), scene.mask(back)] + [
        scene.mask(f.outline()) for f in fingers.values()
    ]
    silhouette = np.max(np.stack(parts), axis=0)
    scene.shadow(silhouette, 9.0, 8.0, 0.4)
    scene.paint_surface(parts[0], 9.0, albedo, scene.texture)
    scene.shadow(parts[1], 2.0, 3.0, 0.3)
    scene.paint_surface(parts[1], 22.0, albedo, scene.texture)
    px = scene.px_per_mm
    for finger in fingers.values():
        tendon = [finger.along(-4.0), finger.along(-30.0), (finger.knuckle[0] * 0.5, 80.0)]
        scene.tone(scene.stroke(tendon, 3.0), 0.05, 2.0, within=parts[1])
    for finger, mask in zip(fingers.values(), parts[2:], strict=True):
        scene.shadow(mask, 1.5, 1.5, 0.35)
        scene.paint_surface(mask, 8.0, albedo, scene.texture)
        _detail_finger(scene, finger, albedo)
    ring = fingers["ring"]
    middle_at = ring.length * _PIP_FRACTION
    finger_anchor = FingerAnchor(
        knuckle=scene.px(ring.knuckle),
        middle_joint=scene.px(ring.along(middle_at)),
        width_px=round(ring.width_at(middle_at / 2) * px, 2),
    )
    return _Drawn(body_mask=parts[-1], skin_mask=silhouette, finger=finger_anchor)


def _draw_wrist(scene: _Scene, albedo: Array) -> _Drawn:
    """A forearm across the frame from the left, the back of the hand to the right, palm down."""
    rng = scene.rng
    angle = math.radians(-6.0 + float(rng.uniform(-3, 3)))
    axis = (math.cos(angle), math.sin(angle))
    across = (-axis[1], axis[0])
    center = (-28.0, 6.0)

    def at(u: float, v: float) -> Point:
        return (center[0] + axis[0] * u + across[0] * v, center[1] + axis[1] * u + across[1] * v)

    forearm_profile: list[tuple[float, float]] = [
        (-160, 34.0),
        (-90, 33.5),
        (-40, 30.0),
        (-10, 27.8),
        (0, 27.5),
        (14, 28.5),
    ]
    hand_profile: list[tuple[float, float]] = [
        (-6, 27.5),
        (12, 29.5),
        (35, 36.0),
        (60, 40.5),
        (85, 41.5),
        (110, 39.0),
        (200, 37.0),
    ]

    def band(profile: list[tuple[float, float]]) -> list[Point]:
        top = [at(u, -w) for u, w in profile]
        bottom = [at(u, w) for u, w in profile[::-1]]
        return top + bottom

    arm = scene.mask(band(forearm_profile[:-2] + hand_profile[1:]))
    thumb = scene.mask(_tapered_finger(at(16, -14), math.degrees(angle) + 66.0, 68.0, 23.0))
    silhouette = np.maximum(arm, thumb)
    scene.shadow(silhouette, 10.0, 8.0, 0.4)
    scene.paint_surface(thumb, 9.0, albedo, scene.texture)
    scene.shadow(arm, 1.0, 2.0, 0.25)
    scene.paint_surface(arm, 28.0, albedo, scene.texture)
    scene.tone(scene.mask([at(-8, 16), at(-2, 16), at(-2, 23), at(-8, 23)]), 0.07, 2.5)
    scene.tone(scene.stroke([at(2, -26), at(4, 0), at(2, 26)], 1.2), -0.08, 1.5, within=arm)
    for v in (-20.0, -1.0, 18.0):
        groove = [at(92, v * 0.95), at(120, v), at(200, v)]
        scene.tone(scene.stroke(groove, 1.2), -0.22, 1.0, within=arm)
    for v in (-27.0, -9.0, 9.0, 27.0):
        knuckle = scene.mask([at(80, v - 5), at(90, v - 5), at(90, v + 5), at(80, v + 5)])
        scene.tone(knuckle, 0.06, 3.0)
    wrist_anchor = WristAnchor(
        center=scene.px(center), axis=axis, width_px=round(55.0 * scene.px_per_mm, 2)
    )
    return _Drawn(body_mask=silhouette, skin_mask=arm, wrist=wrist_anchor)


_DRAWERS = {
    BodyRegion.NECK: _draw_neck,
    BodyRegion.EAR: _draw_ear,
    BodyRegion.HAND: _draw_hand,
    BodyRegion.WRIST: _draw_wrist,
}


def make_template(
    region: BodyRegion,
    skin_tone: int = 4,
    width: int = 2048,
    height: int = 2048,
    px_per_mm: float | None = None,
    seed: int = 0,
    name: str | None = None,
) -> Template:
    """Draw a model photo of `region` with its exact annotation and masks.

    skin_tone is on the Monk scale (1 lightest .. 10 deepest). Without px_per_mm the frame is as
    wide as FRAME_WIDTH_MM says for the region. The same arguments always give the same template.
    """
    region = BodyRegion(region)
    if skin_tone not in MONK_SKIN_TONES:
        raise ValueError(f"skin tone {skin_tone} is not on the Monk scale: use 1 to 10")
    scale = px_per_mm if px_per_mm is not None else width / FRAME_WIDTH_MM[region]
    rng = np.random.default_rng([seed, list(BodyRegion).index(region), skin_tone])
    scene = _Scene(width, height, scale, rng, np.zeros((height, width, 3), np.float32))
    _backdrop(scene)
    scene.texture = _skin_texture(scene)
    drawn = _DRAWERS[region](scene, _to_linear(np.array(MONK_SKIN_TONES[skin_tone])))
    rgb = _finish(scene)
    annotation = Annotation(
        region=region,
        px_per_mm=round(scale, 4),
        scale_source="generated",
        light_direction=LIGHT_DIRECTION,
        skin_lab=_median_lab(rgb, drawn.skin_mask),
        source="generated",
        notes=(f"adorn sample: {region.value}, Monk skin tone {skin_tone}, seed {seed}",),
        neck=drawn.neck,
        ears=drawn.ears,
        finger=drawn.finger,
        wrist=drawn.wrist,
    )
    return Template(
        name=name or f"sample-{region.value}-mst{skin_tone}",
        rgb=rgb,
        annotation=annotation,
        body_mask=np.clip(drawn.body_mask, 0.0, 1.0).astype(np.float32),
        hair_mask=drawn.hair_mask,
    )


def write_sample_library(folder: Path, size: int = 2048) -> list[Path]:
    """Write adorn's standard sample templates (each region in two skin tones, `size` px square)
    into `folder`; returns the JSON paths."""
    paths = []
    for region in BodyRegion:
        for tone in SAMPLE_LIBRARY_TONES:
            template = make_template(region, skin_tone=tone, width=size, height=size, seed=tone)
            paths.append(template.save(folder))
    return paths
