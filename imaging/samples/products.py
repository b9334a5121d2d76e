"""Synthetic product photos of jewelry, drawn by code, with exact ground truth.

Each photo comes with the piece's true alpha (coverage), its colours before compositing, its scale
and a ProductSpec of its true dimensions, plus the title and description a seller would write.
Pieces are built from a few primitives (domed bands, tubes, chain links, faceted stones) in
millimetres, rendered at 2x supersampling inside the piece's bounding box and averaged down, so
`true_alpha` is the exact coverage of the drawn shapes. The photo is composited in sRGB-encoded
values: photo = true_rgb * true_alpha + background * (1 - true_alpha), plus a little sensor noise.

Photo conventions (the placement code relies on them):
- ring: face-on, standing upright; the band is an annulus of outer diameter
  inner_diameter + 2 * band_thickness, with a stone in a prong head on top (stone_diameter_mm).
- pendant necklace: the chain is laid as a catenary U with both ends near the top of the frame and
  the pendant hangs at the bottom centre from a bail; the chain is made of alternating flat and
  edge-on links, 1-2 mm wide. pendant_height_mm runs from the top of the bail to the pendant's bottom.
- chain: the same U, no pendant.
- stud earrings: a matching pair side by side, each a round stone in a metal bezel or four prongs;
  stud_diameter_mm is the setting's outer diameter.
- drop earrings: a pair side by side, each a fish hook seen from the side, a thin bar and a dangle;
  drop_length_mm runs from the top of the hook to the bottom of the dangle.
- bangle: face-on annulus (inner_diameter_mm, band_thickness_mm across the ring; band_width_mm is
  the depth away from the camera).
- chain bracelet: a link chain laid as a circle whose inner edge is inner_length_mm around.
- watch: face-on round case (case_diameter_mm) with a dial, the straps (strap_width_mm) running
  straight up and down from the case.
Light: a studio softbox from the upper left, the camera straight above; the background is white
(about 0.99) or light grey (about 0.875) with slight vignetting and a soft contact shadow that is
part of the background, not of true_alpha.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from imaging.geometry import Point
from imaging.image_io import FloatImage, SourceImage, load_image, to_pil
from imaging.jewelry import JewelryType
from imaging.product_spec import ProductSpec

Array = NDArray[np.float32]
Bounds = tuple[float, float, float, float]  # x0, y0, x1, y1 in mm

SUPERSAMPLE = 2
_TILE = 8  # supersamples per side of the tiles that skip empty space while drawing
MM_PER_INCH = 25.4


class Metal(StrEnum):
    YELLOW_GOLD = "yellow_gold"
    ROSE_GOLD = "rose_gold"
    WHITE_GOLD = "white_gold"
    SILVER = "silver"

    @property
    def base_rgb(self) -> tuple[float, float, float]:
        """Reference sRGB colour of the polished metal (its reflectance at normal incidence)."""
        return METAL_RGB[self]

    @property
    def label(self) -> str:
        """How a seller names the metal in a title."""
        return METAL_LABEL[self]


METAL_RGB: dict[Metal, tuple[float, float, float]] = {
    Metal.YELLOW_GOLD: (0.95, 0.79, 0.45),
    Metal.ROSE_GOLD: (0.93, 0.70, 0.60),
    Metal.WHITE_GOLD: (0.86, 0.86, 0.85),
    Metal.SILVER: (0.91, 0.90, 0.88),
}

METAL_LABEL: dict[Metal, str] = {
    Metal.YELLOW_GOLD: "14k yellow gold",
    Metal.ROSE_GOLD: "14k rose gold",
    Metal.WHITE_GOLD: "14k white gold",
    Metal.SILVER: "sterling silver",
}


class SampleKind(StrEnum):
    RING = "ring"
    PENDANT_NECKLACE = "pendant_necklace"
    CHAIN = "chain"
    STUD_EARRINGS = "stud_earrings"
    DROP_EARRINGS = "drop_earrings"
    BANGLE = "bangle"
    WATCH = "watch"
    CHAIN_BRACELET = "chain_bracelet"


JEWELRY_TYPE_OF_KIND: dict[SampleKind, JewelryType] = {
    SampleKind.RING: JewelryType.RING,
    SampleKind.PENDANT_NECKLACE: JewelryType.PENDANT,
    SampleKind.CHAIN: JewelryType.NECKLACE,
    SampleKind.STUD_EARRINGS: JewelryType.EARRINGS,
    SampleKind.DROP_EARRINGS: JewelryType.EARRINGS,
    SampleKind.BANGLE: JewelryType.BANGLE,
    SampleKind.WATCH: JewelryType.WATCH,
    SampleKind.CHAIN_BRACELET: JewelryType.BRACELET,
}

BACKGROUND_LEVEL = {"white": 0.99, "light_grey": 0.875}

# Pieces taller than wide are shot in a 4:5 portrait frame, the rest square.
_PORTRAIT_KINDS = frozenset({SampleKind.PENDANT_NECKLACE, SampleKind.CHAIN, SampleKind.WATCH})

# Stone colours as linear RGB transmission tints.
_STONE_TINTS: dict[str, tuple[float, float, float]] = {
    "diamond": (0.93, 0.95, 0.98),
    "sapphire": (0.06, 0.14, 0.62),
    "ruby": (0.62, 0.03, 0.07),
    "emerald": (0.04, 0.40, 0.14),
    "amethyst": (0.36, 0.10, 0.52),
}

# US ring size -> inner diameter in mm (the standard table, rounded to 0.1 mm).
_RING_SIZES_MM = {5: 15.7, 6: 16.5, 7: 17.3, 8: 18.2, 9: 19.0}


@dataclass(frozen=True)
class ProductPhoto:
    """A generated product photo and everything true about it."""

    rgb: FloatImage  # the photo, H x W x 3, piece composited on the background
    true_alpha: FloatImage  # H x W exact coverage of the piece
    true_rgb: FloatImage  # H x W x 3 piece colours before compositing (0 where true_alpha is 0)
    mm_per_px: float
    spec: ProductSpec
    title: str
    description: str
    kind: SampleKind
    metal: Metal
    background: str


def as_jpeg_upload(rgb: FloatImage, quality: int = 90) -> SourceImage:
    """`rgb` saved as a JPEG (colour at half resolution, 4:2:0, as most uploads arrive) and read
    back: the photo as the cutout meets it in a shop."""
    encoded = io.BytesIO()
    to_pil(rgb).save(encoded, format="JPEG", quality=quality)
    return load_image(encoded.getvalue())


# --- shading -------------------------------------------------------------------------------------

_KEY_LIGHT = np.array([-0.45, -0.62, 0.64]) / np.linalg.norm([-0.45, -0.62, 0.64])
_FILL_LIGHT = np.array([0.62, -0.25, 0.74]) / np.linalg.norm([0.62, -0.25, 0.74])
_TILT = 0.93  # sine of the steepest slope a rounded edge shows the camera


def _to_linear(srgb: NDArray[np.floating]) -> NDArray[np.float32]:
    s = np.asarray(srgb, dtype=np.float32)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _to_srgb(linear: NDArray[np.floating]) -> NDArray[np.float32]:
    c = np.clip(linear, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def _smoothstep(e0: float, e1: float, x: Array) -> Array:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


Normal = tuple[Array, Array, Array]


@dataclass(frozen=True)
class _Finish:
    """How a surface turns normals into linear colour: polished metal, or a matte/satin material."""

    colour: tuple[float, float, float]  # linear RGB: metal reflectance or diffuse albedo
    metal: bool = True
    sheen: float = 0.0  # specular strength of a non-metal (leather, enamel, pearl)

    def shade(self, n: Normal) -> Array:
        nx, ny, nz = n
        base = np.asarray(self.colour, dtype=np.float32)
        if not self.metal:
            lambert = np.clip(nx * _KEY_LIGHT[0] + ny * _KEY_LIGHT[1] + nz * _KEY_LIGHT[2], 0, 1)
            glint = _lobe(_reflect(n), _KEY_LIGHT, 30.0) * self.sheen
            return base * (0.32 + 0.78 * lambert)[:, None] + glint[:, None]
        # The camera looks straight down: reflect the view vector (0, 0, 1) about the normal and
        # look up a studio environment: bright softbox above, dark floor, a light tent in front.
        reflected = _reflect(n)
        rx, up, rz = reflected[0], -reflected[1], reflected[2]
        env = (
            0.08
            + 0.85 * _smoothstep(-0.3, 0.65, up)
            + 0.3 * np.clip(rz, 0, 1) ** 3
            - 0.22 * np.exp(-(((up + 0.05) / 0.12) ** 2))
            + 0.25 * np.exp(-((rx + 0.55) ** 2 + (up - 0.35) ** 2) / 0.04)
        )
        spec = _lobe(reflected, _KEY_LIGHT, 60.0) * 2.4 + _lobe(reflected, _FILL_LIGHT, 30.0) * 0.7
        fresnel = ((1.0 - nz) ** 5)[:, None]
        tinted = base * (1 - fresnel) + fresnel
        return tinted * np.clip(env, 0.03, None)[:, None] + (spec[:, None] * (0.4 * tinted + 0.6))


def _reflect(n: Normal) -> Normal:
    """The view direction (straight down the camera axis) mirrored about the normal."""
    nx, ny, nz = n
    return 2 * nz * nx, 2 * nz * ny, 2 * nz * nz - 1


def _lobe(reflected: Normal, light: NDArray[np.float64], power: float) -> Array:
    """A Phong highlight: how closely the reflected view points at the light."""
    rx, ry, rz = reflected
    return np.clip(rx * light[0] + ry * light[1] + rz * light[2], 0, 1) ** power


def _tube_normal(dx: Array, dy: Array, q: Array) -> Normal:
    """Normal of a round cross-section: (dx, dy) the in-plane unit direction, q in [-1, 1] across."""
    s = np.clip(q, -1.0, 1.0) * _TILT
    return dx * s, dy * s, np.sqrt(1.0 - s * s)


def _coverage(sd: Array, px: float) -> Array:
    """Anti-aliased coverage from a signed distance in mm (negative inside), px = pixel size in mm."""
    return np.clip(0.5 - sd / px, 0.0, 1.0).astype(np.float32)


# --- shapes, in millimetres with y down ----------------------------------------------------------


class _Shape(Protocol):
    def bounds(self) -> Bounds: ...

    def distance(self, x: Array, y: Array) -> Array:
        """Signed distance in mm, negative inside; near enough to the true one to skip empty tiles."""
        ...

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        """Coverage and linear RGB (N x 3) at 1-D sample points."""
        ...


@dataclass(frozen=True)
class _Band:
    """A domed annulus seen face-on (ring band, bangle, bezel, bail, jump ring)."""

    center: Point
    r_in: float
    r_out: float
    finish: _Finish

    def bounds(self) -> Bounds:
        cx, cy = self.center
        return (cx - self.r_out, cy - self.r_out, cx + self.r_out, cy + self.r_out)

    def distance(self, x: Array, y: Array) -> Array:
        r = np.hypot(x - self.center[0], y - self.center[1])
        return np.abs(r - (self.r_in + self.r_out) / 2) - (self.r_out - self.r_in) / 2

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        dx, dy = x - self.center[0], y - self.center[1]
        r = np.maximum(np.hypot(dx, dy), 1e-6)
        half = (self.r_out - self.r_in) / 2
        q = (r - (self.r_in + half)) / half
        cov = _coverage(np.abs(q) * half - half, px)
        return cov, self.finish.shade(_tube_normal(dx / r, dy / r, q))


@dataclass(frozen=True)
class _Dome:
    """A disc with a flat face and a rounded rim (medallion, case, dial, prong tip, pearl)."""

    center: Point
    radius: float
    rim: float  # width of the rounded edge; radius = a full hemisphere
    finish: _Finish

    def bounds(self) -> Bounds:
        cx, cy, r = *self.center, self.radius
        return (cx - r, cy - r, cx + r, cy + r)

    def distance(self, x: Array, y: Array) -> Array:
        return np.hypot(x - self.center[0], y - self.center[1]) - self.radius

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        dx, dy = x - self.center[0], y - self.center[1]
        r = np.maximum(np.hypot(dx, dy), 1e-6)
        q = np.clip((r - (self.radius - self.rim)) / self.rim, 0.0, 1.0)
        return _coverage(r - self.radius, px), self.finish.shade(_tube_normal(dx / r, dy / r, q))


class _Tube:
    """A round wire along some centre line: subclasses say how far a point is from that line."""

    radius: float
    finish: _Finish

    def _offset(self, x: Array, y: Array) -> tuple[Array, Array]:
        raise NotImplementedError

    def distance(self, x: Array, y: Array) -> Array:
        return np.hypot(*self._offset(x, y)) - self.radius

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        dx, dy = self._offset(x, y)
        d = np.maximum(np.hypot(dx, dy), 1e-6)
        n = _tube_normal(dx / d, dy / d, d / self.radius)
        return _coverage(d - self.radius, px), self.finish.shade(n)


@dataclass(frozen=True)
class _Capsule(_Tube):
    """A round wire or bar between two points (prongs, hooks, watch hands, lugs)."""

    p0: Point
    p1: Point
    radius: float
    finish: _Finish

    def bounds(self) -> Bounds:
        r = self.radius
        xs, ys = (self.p0[0], self.p1[0]), (self.p0[1], self.p1[1])
        return (min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r)

    def _offset(self, x: Array, y: Array) -> tuple[Array, Array]:
        return _segment_offset(self.p0, self.p1, x, y)


@dataclass(frozen=True)
class _Wire(_Tube):
    """A round wire bent along a polyline (ear hooks): one seamless tube."""

    points: tuple[Point, ...]
    radius: float
    finish: _Finish

    def bounds(self) -> Bounds:
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        r = self.radius
        return (min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r)

    def _offset(self, x: Array, y: Array) -> tuple[Array, Array]:
        """Offset from the nearest point on the polyline."""
        segments = itertools.pairwise(self.points)
        best_dx, best_dy = _segment_offset(*next(segments), x, y)
        best = best_dx * best_dx + best_dy * best_dy
        for p0, p1 in segments:
            dx, dy = _segment_offset(p0, p1, x, y)
            d = dx * dx + dy * dy
            closer = d < best
            best = np.where(closer, d, best)
            best_dx, best_dy = np.where(closer, dx, best_dx), np.where(closer, dy, best_dy)
        return best_dx, best_dy


def _segment_offset(p0: Point, p1: Point, x: Array, y: Array) -> tuple[Array, Array]:
    """Offset of each point from the nearest point on the segment p0-p1."""
    (ax, ay), (bx, by) = p0, p1
    ux, uy = bx - ax, by - ay
    t = np.clip(((x - ax) * ux + (y - ay) * uy) / max(ux * ux + uy * uy, 1e-12), 0.0, 1.0)
    return x - (ax + t * ux), y - (ay + t * uy)


@dataclass(frozen=True)
class _Slab:
    """An axis-aligned rounded rectangle with a cushioned edge (strap, crown, bail bar)."""

    center: Point
    half_w: float
    half_h: float
    corner: float
    edge: float  # width of the rounded edge
    finish: _Finish

    def bounds(self) -> Bounds:
        cx, cy = self.center
        return (cx - self.half_w, cy - self.half_h, cx + self.half_w, cy + self.half_h)

    def _parts(self, x: Array, y: Array) -> tuple[Array, Array, Array, Array]:
        lx, ly = x - self.center[0], y - self.center[1]
        qx = np.abs(lx) - (self.half_w - self.corner)
        qy = np.abs(ly) - (self.half_h - self.corner)
        return lx, ly, qx, qy

    def distance(self, x: Array, y: Array) -> Array:
        _, _, qx, qy = self._parts(x, y)
        outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
        return outside + np.minimum(np.maximum(qx, qy), 0) - self.corner

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        lx, ly, qx, qy = self._parts(x, y)
        sd = self.distance(x, y)
        ox, oy = np.maximum(qx, 0), np.maximum(qy, 0)
        corner = np.maximum(np.hypot(ox, oy), 1e-6)
        in_core = (qx <= 0) & (qy <= 0)
        gx = np.where(in_core, (qx > qy).astype(np.float32), ox / corner) * np.sign(lx)
        gy = np.where(in_core, (qx <= qy).astype(np.float32), oy / corner) * np.sign(ly)
        q = np.clip((sd + self.edge) / self.edge, 0.0, 1.0)
        return _coverage(sd, px), self.finish.shade(_tube_normal(gx, gy, q))


@dataclass(frozen=True)
class _Link:
    """One chain link: a flat oval ring, or a link seen edge-on (a short bar)."""

    center: Point
    angle: float  # radians, the chain's direction
    length: float
    width: float
    wire: float
    flat: bool
    finish: _Finish

    def bounds(self) -> Bounds:
        r = self.length / 2
        return (self.center[0] - r, self.center[1] - r, self.center[0] + r, self.center[1] + r)

    def _local(self, x: Array, y: Array) -> tuple[Array, Array]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        dx, dy = x - self.center[0], y - self.center[1]
        return dx * c + dy * s, -dx * s + dy * c

    def _oval(self, u: Array, v: Array) -> tuple[Array, Array, Array]:
        """Approximate distance to the wire's centre line and its in-plane direction (local axes)."""
        if not self.flat:
            half = (self.length - self.wire) / 2
            cu = u - np.clip(u, -half, half)
            d = np.maximum(np.hypot(cu, v), 1e-6)
            return d, cu / d, v / d
        a, b = (self.length - self.wire) / 2, (self.width - self.wire) / 2
        rho = np.maximum(np.hypot(u / a, v / b), 1e-6)
        gu, gv = u / (a * a * rho), v / (b * b * rho)
        g = np.maximum(np.hypot(gu, gv), 1e-6)
        return (rho - 1) / g, gu / g, gv / g

    def distance(self, x: Array, y: Array) -> Array:
        d, _, _ = self._oval(*self._local(x, y))
        return np.abs(d) - self.wire / 2

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        d, du, dv = self._oval(*self._local(x, y))
        c, s = math.cos(self.angle), math.sin(self.angle)
        r = self.wire / 2
        n = _tube_normal(du * c - dv * s, du * s + dv * c, d / r)
        return _coverage(np.abs(d) - r, px), self.finish.shade(n)


def _facet_shades(seed: int, count: int, tint: tuple[float, float, float]) -> Array:
    """Linear colour of each facet: mostly dark or bright, a few sparkling past white."""
    rng = np.random.default_rng(seed)
    level = rng.choice(
        [0.06, 0.2, 0.45, 0.75, 1.0, 1.6], size=count, p=[0.2, 0.2, 0.2, 0.2, 0.1, 0.1]
    )
    colour = np.asarray(tint, dtype=np.float32)[None, :] * level[:, None]
    return (colour + 0.5 * np.maximum(level - 1.0, 0)[:, None]).astype(np.float32)


@dataclass(frozen=True)
class _StoneTop:
    """A round brilliant seen from above: table, eight arrows, crown facets."""

    center: Point
    radius: float
    tint: tuple[float, float, float]
    seed: int

    def bounds(self) -> Bounds:
        cx, cy, r = *self.center, self.radius
        return (cx - r, cy - r, cx + r, cy + r)

    def distance(self, x: Array, y: Array) -> Array:
        return np.hypot(x - self.center[0], y - self.center[1]) - self.radius

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        dx, dy = x - self.center[0], y - self.center[1]
        rho = np.hypot(dx, dy) / self.radius
        sector = ((np.arctan2(dy, dx) + math.pi) / (2 * math.pi) * 16).astype(np.int64) % 16
        facet = np.where(rho < 0.55, 32 + sector // 2, sector + 16 * (rho > 0.8))
        return _coverage(np.hypot(dx, dy) - self.radius, px), _facet_shades(
            self.seed, 40, self.tint
        )[facet]


def _convex_distance(x: Array, y: Array, vertices: tuple[Point, ...]) -> Array:
    """Signed distance to a convex polygon given clockwise on screen (exact inside, close outside)."""
    sd = np.full(np.broadcast(x, y).shape, -np.inf, dtype=np.float32)
    for (ax, ay), (bx, by) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        length = math.hypot(bx - ax, by - ay)
        nx, ny = (by - ay) / length, -(bx - ax) / length  # outward for a clockwise-on-screen loop
        sd = np.maximum(sd, (x - ax) * nx + (y - ay) * ny)
    return sd


@dataclass(frozen=True)
class _StoneSide:
    """A round brilliant seen from the side, girdle horizontal: crown above, pavilion point below."""

    girdle: Point
    radius: float
    tint: tuple[float, float, float]
    seed: int

    def _polygons(self) -> tuple[tuple[Point, ...], tuple[Point, ...]]:
        gx, gy, r = *self.girdle, self.radius
        crown = (
            (gx - r, gy),
            (gx - 0.55 * r, gy - 0.32 * r),
            (gx + 0.55 * r, gy - 0.32 * r),
            (gx + r, gy),
        )
        pavilion = ((gx + r, gy), (gx, gy + 0.86 * r), (gx - r, gy))
        return crown, pavilion

    def bounds(self) -> Bounds:
        gx, gy, r = *self.girdle, self.radius
        return (gx - r, gy - 0.32 * r, gx + r, gy + 0.86 * r)

    def distance(self, x: Array, y: Array) -> Array:
        crown, pavilion = self._polygons()
        return np.minimum(_convex_distance(x, y, crown), _convex_distance(x, y, pavilion))

    def render(self, x: Array, y: Array, px: float) -> tuple[Array, Array]:
        gx, gy, r = *self.girdle, self.radius
        below = y > gy
        depth = np.where(below, (y - gy) / (0.86 * r), (gy - y) / (0.32 * r) * 0.45)
        across = (x - gx) / np.maximum(r * (1 - np.clip(depth, 0, 0.98)), 1e-6)
        column = np.clip(((across + 1) / 2 * 6).astype(np.int64), 0, 5)
        facet = np.where(below, column, 6 + column + 6 * (depth > 0.22))
        return _coverage(self.distance(x, y), px), _facet_shades(self.seed, 18, self.tint)[facet]


# --- the canvas ----------------------------------------------------------------------------------


class _Canvas:
    """Supersampled premultiplied colour and alpha over the piece's box, composited back to front."""

    def __init__(self, box: tuple[int, int, int, int], mm_per_px: float, origin_px: Point) -> None:
        self.box = box  # x0, y0, x1, y1 in photo pixels
        self.mm_per_px = mm_per_px
        self.origin_px = origin_px  # photo pixel of the piece's (0, 0) mm
        h, w = (box[3] - box[1]) * SUPERSAMPLE, (box[2] - box[0]) * SUPERSAMPLE
        self.colour = np.zeros((h, w, 3), np.float32)
        self.alpha = np.zeros((h, w), np.float32)

    def _samples(self, lo_mm: float, hi_mm: float, axis: int) -> tuple[int, Array]:
        """First supersample index and the mm positions of the samples spanning [lo_mm, hi_mm]."""
        start_px, origin = self.box[axis], self.origin_px[axis]
        size = self.alpha.shape[1 - axis]
        first = max(math.floor((lo_mm / self.mm_per_px + origin - start_px) * SUPERSAMPLE) - 2, 0)
        last = min(math.ceil((hi_mm / self.mm_per_px + origin - start_px) * SUPERSAMPLE) + 2, size)
        index = np.arange(first, max(last, first))
        return first, ((start_px + (index + 0.5) / SUPERSAMPLE - origin) * self.mm_per_px).astype(
            np.float32
        )

    def draw(self, shape: _Shape) -> None:
        """Composite one shape over what is drawn so far."""
        x0, y0, x1, y1 = shape.bounds()
        c0, xs = self._samples(x0, x1, 0)
        r0, ys = self._samples(y0, y1, 1)
        if xs.size == 0 or ys.size == 0:
            return
        ss_mm = self.mm_per_px / SUPERSAMPLE
        # Shade only the samples on or next to the shape (most of a band's box is its hole): find
        # the tiles whose centre lies within a tile's size of it, then test their samples.
        tile = _TILE
        tx = np.minimum(np.arange(0, xs.size, tile) + tile // 2, xs.size - 1)
        ty = np.minimum(np.arange(0, ys.size, tile) + tile // 2, ys.size - 1)
        near = shape.distance(xs[tx][None, :], ys[ty][:, None]) < tile * ss_mm
        tile_rows, tile_cols = np.nonzero(near)
        offsets = np.arange(tile)
        rows = (tile_rows[:, None, None] * tile + offsets[None, :, None]).repeat(tile, 2).ravel()
        cols = (tile_cols[:, None, None] * tile + offsets[None, None, :]).repeat(tile, 1).ravel()
        valid = (rows < ys.size) & (cols < xs.size)
        rows, cols = rows[valid], cols[valid]
        inside = shape.distance(xs[cols], ys[rows]) < ss_mm
        rows, cols = rows[inside], cols[inside]
        if rows.size == 0:
            return
        cov, rgb = shape.render(xs[cols], ys[rows], ss_mm)
        flat = (rows + r0) * self.alpha.shape[1] + (cols + c0)
        alpha, colour = self.alpha.reshape(-1), self.colour.reshape(-1, 3)
        keep = 1.0 - cov
        colour[flat] = colour[flat] * keep[:, None] + rgb * cov[:, None]
        alpha[flat] = alpha[flat] * keep + cov

    def resolve(self) -> tuple[Array, Array]:
        """Premultiplied linear colour and coverage at photo resolution (box-filtered)."""
        return _box_down(self.colour), _box_down(self.alpha)


def _box_down(image: Array) -> Array:
    """Average each SUPERSAMPLE x SUPERSAMPLE block: the exact coverage of the photo's pixels."""
    h, w = image.shape[0] // SUPERSAMPLE, image.shape[1] // SUPERSAMPLE
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)


# --- pieces --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """A piece ready to draw: its shapes back to front, true spec and the seller's text."""

    shapes: tuple[_Shape, ...]
    spec: ProductSpec
    title: str
    description: str


def _linear_rgb(srgb: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = (float(c) for c in _to_linear(np.array(srgb)))
    return (r, g, b)


def _metal_finish(metal: Metal) -> _Finish:
    return _Finish(_linear_rgb(metal.base_rgb))


def _matte(srgb: tuple[float, float, float], sheen: float = 0.0) -> _Finish:
    return _Finish(_linear_rgb(srgb), metal=False, sheen=sheen)


_T = TypeVar("_T")


def _pick(rng: np.random.Generator, options: Sequence[_T]) -> _T:
    return options[int(rng.integers(len(options)))]


def _mm_text(value: float) -> str:
    return f"{value:g} mm"


def _catenary(length: float, width: float, steps: int = 400) -> NDArray[np.float64]:
    """A chain of this length hanging between two points `width` apart, ends at y = 0, y down."""
    lo, hi = width / 50, width * 50  # the catenary's parameter: arc length falls as it grows
    for _ in range(80):
        a = (lo + hi) / 2
        lo, hi = (a, hi) if 2 * a * math.sinh(width / (2 * a)) > length else (lo, a)
    x = np.linspace(-width / 2, width / 2, steps)
    return np.stack([x, a * (math.cosh(width / (2 * a)) - np.cosh(x / a))], axis=1)


def _chain(path: NDArray[np.float64], width: float, finish: _Finish) -> list[_Shape]:
    """Cable-chain links along a polyline: flat ovals alternating with links seen edge-on."""
    length, wire = 1.45 * width, 0.27 * width
    pitch = length - 1.5 * wire
    steps = np.hypot(*np.diff(path, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    at = np.arange(pitch / 2, arc[-1] - pitch / 2 + 1e-9, pitch)
    xs, ys = np.interp(at, arc, path[:, 0]), np.interp(at, arc, path[:, 1])
    tx = np.interp(at + 1e-3, arc, path[:, 0]) - np.interp(at - 1e-3, arc, path[:, 0])
    ty = np.interp(at + 1e-3, arc, path[:, 1]) - np.interp(at - 1e-3, arc, path[:, 1])
    links = [
        _Link((x, y), math.atan2(dy, dx), length, width, wire, i % 2 == 0, finish)
        for i, (x, y, dx, dy) in enumerate(zip(xs, ys, tx, ty, strict=True))
    ]
    # Edge-on links are drawn last so they sit over the flat ones they pass through.
    return [*(link for link in links if link.flat), *(link for link in links if not link.flat)]


def _stone_name(rng: np.random.Generator) -> str:
    return str(_pick(rng, ["diamond", "diamond", "sapphire", "ruby", "emerald", "amethyst"]))


def _ring(rng: np.random.Generator, metal: Metal) -> _Piece:
    size = int(_pick(rng, list(_RING_SIZES_MM)))
    inner = _RING_SIZES_MM[size]
    thickness = float(_pick(rng, [1.4, 1.6, 1.8, 2.0]))
    band_width = float(_pick(rng, [1.5, 2.0, 2.5, 3.0]))
    stone_d = float(_pick(rng, [4.0, 5.0, 6.0]))
    stone = _stone_name(rng)
    finish = _metal_finish(metal)
    r_out, rs = inner / 2 + thickness, stone_d / 2
    top = -r_out
    girdle_y = top - 0.15 - 0.86 * rs
    prong_r = max(0.09 * rs, 0.3)
    shapes: list[_Shape] = [
        _Band((0.0, 0.0), inner / 2, r_out, finish),
        _Capsule((-0.9 * rs, girdle_y - 0.2 * rs), (-0.4 * rs, top + 0.2), prong_r, finish),
        _Capsule((0.9 * rs, girdle_y - 0.2 * rs), (0.4 * rs, top + 0.2), prong_r, finish),
        _Slab((0.0, top - 0.3 * rs), 0.5 * rs, 0.38 * rs, 0.3 * rs, 0.25 * rs, finish),
        _StoneSide((0.0, girdle_y), rs, _STONE_TINTS[stone], int(rng.integers(1 << 30))),
    ]
    for side in (-1, 1):
        tip = (side * 0.62 * rs, girdle_y - 0.24 * rs)
        shapes.append(_Capsule(tip, (side * 0.3 * rs, top + 0.1), prong_r, finish))
        shapes.append(_Dome(tip, prong_r * 1.25, prong_r * 1.25, finish))
    spec = ProductSpec(
        JewelryType.RING,
        inner_diameter_mm=inner,
        band_width_mm=band_width,
        band_thickness_mm=thickness,
        stone_diameter_mm=stone_d,
        ring_size_us=float(size),
    )
    title = f"{metal.label} solitaire ring, {stone_d:g} mm {stone}, US size {size}"
    description = (
        f"Ring size US {size} ({inner:g} mm inner diameter). Band {_mm_text(band_width)} wide and "
        f"{_mm_text(thickness)} thick. Round {stone} center stone, {_mm_text(stone_d)}."
    )
    return _Piece(tuple(shapes), spec, title, description)


def _bangle(rng: np.random.Generator, metal: Metal) -> _Piece:
    inner = float(_pick(rng, [60.0, 62.0, 63.0, 65.0]))
    thickness = float(_pick(rng, [2.0, 2.5, 3.0, 4.0]))
    width = float(_pick(rng, [3.0, 4.0, 5.0, 6.0]))
    shapes = (_Band((0.0, 0.0), inner / 2, inner / 2 + thickness, _metal_finish(metal)),)
    spec = ProductSpec(
        JewelryType.BANGLE,
        inner_diameter_mm=inner,
        band_width_mm=width,
        band_thickness_mm=thickness,
    )
    title = f"{metal.label} bangle bracelet, {inner:g} mm inner diameter, {width:g} mm wide"
    description = f"Inner diameter {_mm_text(inner)}. Band {_mm_text(width)} wide, {_mm_text(thickness)} thick."
    return _Piece(shapes, spec, title, description)


def _chain_bracelet(rng: np.random.Generator, metal: Metal) -> _Piece:
    inches = float(_pick(rng, [6.5, 7.0, 7.5]))
    width = float(_pick(rng, [2.5, 3.0, 3.5]))
    finish = _metal_finish(metal)
    length = inches * MM_PER_INCH
    radius = length / (2 * math.pi) + width / 2  # the links' centre line
    angle = np.linspace(-math.pi / 2, 1.5 * math.pi, 600)
    path = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    clasp = _Band((0.0, -radius), 0.55 * width, 1.05 * width, finish)
    shapes = (*_chain(path, width, finish), clasp)
    spec = ProductSpec(JewelryType.BRACELET, inner_length_mm=round(length, 1), chain_width_mm=width)
    title = f"{metal.label} cable chain bracelet, {inches:g} inch, {width:g} mm"
    description = f"Length {inches:g} inches ({length:.0f} mm). Cable chain {_mm_text(width)} wide."
    return _Piece(shapes, spec, title, description)


def _necklace(rng: np.random.Generator, metal: Metal, with_pendant: bool) -> _Piece:
    inches = float(_pick(rng, [16.0, 18.0, 20.0] if with_pendant else [16.0, 18.0, 20.0, 22.0]))
    width = float(_pick(rng, [1.0, 1.2, 1.5] if with_pendant else [1.5, 2.0, 2.5]))
    finish = _metal_finish(metal)
    length = inches * MM_PER_INCH
    path = _catenary(length, 0.42 * length)
    shapes: list[_Shape] = [*_chain(path, width, finish)]
    end_l, end_r = path[0], path[-1]
    shapes.append(_Band((end_l[0], end_l[1] - 1.6 * width), 0.9 * width, 1.7 * width, finish))
    shapes.append(_Band((end_r[0], end_r[1] - 0.8 * width), 0.45 * width, 0.95 * width, finish))
    chain_text = f"{inches:g} inch chain"
    if not with_pendant:
        spec = ProductSpec(
            JewelryType.NECKLACE, chain_length_mm=round(length, 1), chain_width_mm=width
        )
        title = f"{metal.label} cable chain necklace, {inches:g} inch, {width:g} mm"
        description = f"Chain length {inches:g} inches ({length:.0f} mm), {_mm_text(width)} wide."
        return _Piece(tuple(shapes), spec, title, description)
    height = float(_pick(rng, [12.0, 15.0, 18.0, 22.0]))
    stone = _stone_name(rng)
    bail = 0.3 * height
    bail_y = float(path[:, 1].max())
    radius = (height - 0.8 * bail) / 2
    disc_y = bail_y - bail / 2 + height - radius
    stone_r = 0.45 * radius
    shapes += [
        _Dome((0.0, disc_y), radius, 0.18 * radius, finish),
        _StoneTop((0.0, disc_y), stone_r, _STONE_TINTS[stone], int(rng.integers(1 << 30))),
        _Band((0.0, disc_y), stone_r - 0.15 * radius, stone_r + 0.12 * radius, finish),
        _Band((0.0, bail_y), 0.28 * bail, 0.5 * bail, finish),
    ]
    spec = ProductSpec(
        JewelryType.PENDANT,
        chain_length_mm=round(length, 1),
        chain_width_mm=width,
        pendant_height_mm=height,
        stone_diameter_mm=round(2 * stone_r, 1),
    )
    title = f"{metal.label} {stone} pendant necklace, {chain_text}, pendant {height:g} mm"
    description = (
        f"Chain length {inches:g} inches ({length:.0f} mm), {_mm_text(width)} cable chain. "
        f"Pendant {_mm_text(height)} tall including the bail."
    )
    return _Piece(tuple(shapes), spec, title, description)


def _studs(rng: np.random.Generator, metal: Metal) -> _Piece:
    diameter = float(_pick(rng, [4.0, 5.0, 6.0, 7.0, 8.0]))
    stone = _stone_name(rng)
    bezel = bool(rng.integers(2))
    finish = _metal_finish(metal)
    stone_seed = int(rng.integers(1 << 30))
    r = diameter / 2
    shapes: list[_Shape] = []
    # The pair lies staggered, the right one a little lower, as sellers usually arrange them.
    for cx, cy in ((-1.15 * diameter, -0.4 * diameter), (1.15 * diameter, 0.4 * diameter)):
        if bezel:
            shapes.append(_StoneTop((cx, cy), r - 0.1 * diameter, _STONE_TINTS[stone], stone_seed))
            shapes.append(_Band((cx, cy), r - 0.16 * diameter, r, finish))
            continue
        shapes.append(_StoneTop((cx, cy), r - 0.06 * diameter, _STONE_TINTS[stone], stone_seed))
        for px, py in ((1, 0), (0, 1), (-1, 0), (0, -1)):
            pr = 0.1 * diameter
            shapes.append(_Dome((cx + px * (r - pr), cy + py * (r - pr)), pr, pr, finish))
    spec = ProductSpec(JewelryType.EARRINGS, stud_diameter_mm=diameter)
    setting = "bezel" if bezel else "four-prong"
    title = f"{metal.label} {stone} stud earrings, {diameter:g} mm"
    description = (
        f"A pair of {setting} studs, each {_mm_text(diameter)} across. Push backs included."
    )
    return _Piece(tuple(shapes), spec, title, description)


def _drops(rng: np.random.Generator, metal: Metal) -> _Piece:
    drop = float(_pick(rng, [25.0, 30.0, 35.0, 40.0, 45.0]))
    dangle = str(_pick(rng, ["disc", "pearl", "stone"]))
    stone = _stone_name(rng)
    stone_seed = int(rng.integers(1 << 30))
    finish = _metal_finish(metal)
    wire, hook = 0.4, 5.0
    size = min(0.18 * drop, 6.0)  # the dangle's radius
    shapes: list[_Shape] = []
    for side, axis_x in ((1, -hook - 2.5), (-1, hook + 2.5)):
        cx, cy = axis_x - side * hook, wire + hook
        angles = np.linspace(0, math.pi, 17)
        arc = [(cx + side * hook * math.cos(a), cy - hook * math.sin(a)) for a in angles]
        loop_y = cy + 3.2
        hook_path = ((axis_x, loop_y - 0.8), *arc, (arc[-1][0] - side * 0.8, cy + 8.0))
        shapes.append(_Wire(hook_path, wire, finish))
        shapes.append(_Band((axis_x, loop_y), 0.5, 0.5 + 2 * wire, finish))
        dangle_y = drop - size
        shapes.append(
            _Capsule((axis_x, loop_y + 1.0), (axis_x, dangle_y - 0.8 * size), 0.3, finish)
        )
        if dangle == "pearl":
            shapes.append(
                _Dome((axis_x, dangle_y), size, size, _matte((0.93, 0.9, 0.85), sheen=0.5))
            )
        else:
            shapes.append(_Dome((axis_x, dangle_y), size, 0.3 * size, finish))
        if dangle == "stone":
            shapes.append(
                _StoneTop((axis_x, dangle_y), 0.72 * size, _STONE_TINTS[stone], stone_seed)
            )
    spec = ProductSpec(JewelryType.EARRINGS, drop_length_mm=drop)
    what = {"disc": "disc", "pearl": "pearl", "stone": stone}[dangle]
    title = f"{metal.label} {what} drop earrings, {drop:g} mm drop"
    description = f"Fish hook ear wires. Total length {_mm_text(drop)} from the top of the hook."
    return _Piece(tuple(shapes), spec, title, description)


def _watch(rng: np.random.Generator, metal: Metal) -> _Piece:
    case = float(_pick(rng, [34.0, 36.0, 38.0, 40.0, 42.0]))
    strap = {34.0: 16.0, 36.0: 18.0, 38.0: 20.0, 40.0: 20.0, 42.0: 22.0}[case]
    leather = _pick(rng, ["black", "brown", "tan", "navy"])
    dial_name = _pick(rng, ["white", "cream", "black", "navy", "champagne"])
    leather_rgb = {
        "black": (0.09, 0.08, 0.08),
        "brown": (0.33, 0.19, 0.11),
        "tan": (0.62, 0.42, 0.25),
        "navy": (0.12, 0.15, 0.28),
    }[str(leather)]
    dial_rgb = {
        "white": (0.95, 0.95, 0.93),
        "cream": (0.93, 0.89, 0.79),
        "black": (0.07, 0.07, 0.08),
        "navy": (0.10, 0.14, 0.30),
        "champagne": (0.86, 0.78, 0.62),
    }[str(dial_name)]
    finish = _metal_finish(metal)
    leather_finish = _matte(leather_rgb, sheen=0.08)
    r, half, strap_len = case / 2, strap / 2, 1.0 * case
    top_end, bottom_end = -r - strap_len, r + strap_len
    shapes: list[_Shape] = [
        _Slab(
            (0.0, (top_end - 0.6 * r) / 2),
            half,
            (-0.6 * r - top_end) / 2,
            0.3 * strap,
            1.0,
            leather_finish,
        ),
        _Slab(
            (0.0, (bottom_end + 0.6 * r) / 2),
            half,
            (bottom_end - 0.6 * r) / 2,
            2.0,
            1.0,
            leather_finish,
        ),
    ]
    for k in range(5):
        shapes.append(
            _Dome(
                (0.0, top_end + 0.3 * strap + 6.0 * (k + 1)), 0.9, 0.9, _matte((0.05, 0.04, 0.04))
            )
        )
    buckle_y = bottom_end - 0.45 * strap
    for x0, y0, x1, y1 in (
        (-half - 0.8, buckle_y, half + 0.8, buckle_y),
        (-half - 0.8, buckle_y, -half - 0.8, bottom_end - 1.2),
        (half + 0.8, buckle_y, half + 0.8, bottom_end - 1.2),
        (-half - 0.8, bottom_end - 1.2, half + 0.8, bottom_end - 1.2),
        (0.0, buckle_y, 0.0, bottom_end - 0.4),
    ):
        shapes.append(_Capsule((x0, y0), (x1, y1), 0.8, finish))
    for sx in (-1, 1):
        for sy in (-1, 1):
            x = sx * (half + 1.0)
            shapes.append(_Capsule((x, sy * 0.5 * r), (x, sy * (r + 2.5)), 1.1, finish))
    shapes += [
        _Slab((r + 0.9, 0.0), 1.3, 1.9, 0.6, 0.6, finish),
        _Dome((0.0, 0.0), r, 0.2 * r, finish),
        _Dome((0.0, 0.0), 0.86 * r, 0.03 * r, _matte(dial_rgb, sheen=0.15)),
    ]
    for hour in range(12):
        a = hour / 12 * 2 * math.pi
        ux, uy = math.sin(a), -math.cos(a)
        inner = 0.64 if hour % 3 == 0 else 0.7
        shapes.append(
            _Capsule(
                (ux * inner * r, uy * inner * r), (ux * 0.78 * r, uy * 0.78 * r), 0.035 * r, finish
            )
        )
    minutes = float(rng.uniform(0, 60))
    hours = float(rng.uniform(0, 12))
    for turns, reach, width in ((hours / 12, 0.45, 0.04), (minutes / 60, 0.7, 0.028)):
        a = turns * 2 * math.pi
        shapes.append(
            _Capsule(
                (0.0, 0.0), (math.sin(a) * reach * r, -math.cos(a) * reach * r), width * r, finish
            )
        )
    seconds = float(rng.uniform(0, 2 * math.pi))
    tip = (math.sin(seconds) * 0.78 * r, -math.cos(seconds) * 0.78 * r)
    shapes.append(
        _Capsule((-0.2 * tip[0], -0.2 * tip[1]), tip, 0.008 * r + 0.08, _matte((0.75, 0.1, 0.08)))
    )
    shapes.append(_Dome((0.0, 0.0), 0.05 * r, 0.05 * r, finish))
    spec = ProductSpec(JewelryType.WATCH, case_diameter_mm=case, strap_width_mm=strap)
    title = f"{metal.label} watch, {case:g} mm case, {strap:g} mm {leather} leather strap"
    description = f"Case diameter {_mm_text(case)}, {dial_name} dial. Lug width {_mm_text(strap)}."
    return _Piece(tuple(shapes), spec, title, description)


_BUILDERS = {
    SampleKind.RING: _ring,
    SampleKind.PENDANT_NECKLACE: lambda rng, metal: _necklace(rng, metal, with_pendant=True),
    SampleKind.CHAIN: lambda rng, metal: _necklace(rng, metal, with_pendant=False),
    SampleKind.STUD_EARRINGS: _studs,
    SampleKind.DROP_EARRINGS: _drops,
    SampleKind.BANGLE: _bangle,
    SampleKind.WATCH: _watch,
    SampleKind.CHAIN_BRACELET: _chain_bracelet,
}


# --- the photo -----------------------------------------------------------------------------------


def make_product_photo(
    kind: SampleKind,
    metal: Metal,
    background: str = "white",
    long_edge_px: int = 2400,
    mm_per_px: float | None = None,
    seed: int = 0,
) -> ProductPhoto:
    """Draw a product photo of one piece; the same arguments always give the same photo.

    background is "white" or "light_grey". Without mm_per_px the piece's box fills about two
    thirds of the frame's limiting side.
    """
    if background not in BACKGROUND_LEVEL:
        raise ValueError(
            f"unknown background {background!r}: use one of {', '.join(BACKGROUND_LEVEL)}"
        )
    kind, metal = SampleKind(kind), Metal(metal)
    rng = np.random.default_rng([seed, list(SampleKind).index(kind), list(Metal).index(metal)])
    piece = _BUILDERS[kind](rng, metal)
    height = long_edge_px
    width = round(0.8 * long_edge_px) if kind in _PORTRAIT_KINDS else long_edge_px
    bounds = np.array([s.bounds() for s in piece.shapes])
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    if mm_per_px is None:
        mm_per_px = max((x1 - x0) / width, (y1 - y0) / height) / float(rng.uniform(0.62, 0.72))
    shift = rng.uniform(-0.03, 0.03, 2) * (width, height)
    origin = (
        width / 2 + shift[0] - (x0 + x1) / 2 / mm_per_px,
        height / 2 + shift[1] - (y0 + y1) / 2 / mm_per_px,
    )
    box = (
        max(int(x0 / mm_per_px + origin[0]) - 2, 0),
        max(int(y0 / mm_per_px + origin[1]) - 2, 0),
        min(int(x1 / mm_per_px + origin[0]) + 3, width),
        min(int(y1 / mm_per_px + origin[1]) + 3, height),
    )
    canvas = _Canvas(box, mm_per_px, origin)
    for shape in piece.shapes:
        canvas.draw(shape)
    colour, coverage = canvas.resolve()

    alpha = np.zeros((height, width), np.float32)
    true_rgb = np.zeros((height, width, 3), np.float32)
    bx0, by0, bx1, by1 = box
    alpha[by0:by1, bx0:bx1] = coverage
    covered = coverage > 0
    piece_rgb = np.zeros_like(colour)
    piece_rgb[covered] = _to_srgb(colour[covered] / coverage[covered][:, None])
    true_rgb[by0:by1, bx0:bx1] = piece_rgb

    grey = _backdrop(alpha, BACKGROUND_LEVEL[background], mm_per_px)
    photo = np.repeat(grey[..., None], 3, axis=2)
    a = coverage[..., None]
    photo[by0:by1, bx0:bx1] = piece_rgb * a + photo[by0:by1, bx0:bx1] * (1.0 - a)
    noise = (rng.random((height, width), dtype=np.float32) - 0.5) * 0.014  # sd 0.004
    photo += noise[..., None]
    return ProductPhoto(
        rgb=np.clip(photo, 0.0, 1.0, out=photo),
        true_alpha=alpha,
        true_rgb=true_rgb,
        mm_per_px=float(mm_per_px),
        spec=piece.spec,
        title=piece.title,
        description=piece.description,
        kind=kind,
        metal=metal,
        background=background,
    )


def _backdrop(alpha: FloatImage, level: float, mm_per_px: float) -> Array:
    """The grey level behind the piece: vignetting, a faint falloff and the soft contact shadow."""
    height, width = alpha.shape
    factor = 8  # the shadow is soft: work on a small copy
    small = cv2.resize(
        alpha, (max(width // factor, 1), max(height // factor, 1)), interpolation=cv2.INTER_AREA
    )
    px_small = mm_per_px * factor
    sigma = max(1.2 / px_small, 0.8)
    shift = np.array([[1, 0, 0.5 / px_small], [0, 1, 1.0 / px_small]], dtype=np.float32)
    moved = cv2.warpAffine(small, shift, (small.shape[1], small.shape[0]))
    shadow = cv2.GaussianBlur(moved, (0, 0), sigma)
    shadow = cv2.resize(shadow, (width, height), interpolation=cv2.INTER_LINEAR)
    y = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    light = level * (1.0 - 0.015 * (x * x + y * y) - 0.005 * y)
    return (light * (1.0 - 0.3 * np.clip(shadow * 1.6, 0, 1))).astype(np.float32)


def sample_catalog(
    long_edge_px: int = 1200, metals: tuple[Metal, ...] = tuple(Metal), seed: int = 0
) -> list[ProductPhoto]:
    """Every kind in each of `metals`, alternating white and light grey backgrounds."""
    photos = []
    for i, kind in enumerate(SampleKind):
        for j, metal in enumerate(metals):
            background = "white" if (i + j) % 2 == 0 else "light_grey"
            photos.append(make_product_photo(kind, metal, background, long_edge_px, seed=seed + j))
    return photos
