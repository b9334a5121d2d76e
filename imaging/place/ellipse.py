"""The band-around-a-cylinder model shared by rings, bangles, bracelets and watches.

A band worn on a finger or wrist is a circle in a plane across the body part's axis. Seen from the
camera it projects to a thin ellipse: the major axis, across the body part, is the band's outer
diameter; the minor axis, along the body part, is that diameter times the sine of the view tilt. The
half of the band nearer the viewer (the front arc) lies on the side the axis points to (fingertip,
hand); the back arc passes behind the body part, which hides it.

The piece is drawn part by part into a crop of the canvas (`CanvasBox`) as premultiplied `Layer`s,
which `layered_placement` stacks and pastes into a canvas-size `Placement`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from imaging.cutout import Cutout
from imaging.errors import ImagingError
from imaging.geometry import Point, Vector, angle_deg
from imaging.image_io import FloatImage
from imaging.place import Placement, PoseJitter
from imaging.place.per_cutout import once_per_cutout
from imaging.place.warp import similarity_matrix, unpremultiply
from imaging.regions import regions
from imaging.template import Template

DEFAULT_TILT = 0.35  # minor / major axis of a band's ellipse: the usual view of a hand or wrist
RIM_PX = 3.0  # a band's edges, in photo px, keep the photo's scale when the band is stretched
CASE_SEARCH_SHARE = 0.3  # of the hull's inscribed radius: how far off its centre a case may sit
_ANGLE_BINS = 90  # angular bins when reading a band's outer radius off its outline


@dataclass(frozen=True)
class Source:
    """A cutout as premultiplied RGBA (H x W x 4), at about the resolution it will have on the canvas."""

    rgba: FloatImage

    @property
    def alpha(self) -> FloatImage:
        return self.rgba[..., 3]

    def masked(self, weight: FloatImage) -> Source:
        """The same source keeping only `weight` (0..1 per pixel) of it: one part of the piece."""
        return Source(self.rgba * weight[..., None])

    def distance_from(self, center: Point) -> FloatImage:
        """Each pixel's distance from `center`, in this source's pixels."""
        h, w = self.alpha.shape
        dx = np.arange(w, dtype=np.float32)[None, :] - np.float32(center[0])
        dy = np.arange(h, dtype=np.float32)[:, None] - np.float32(center[1])
        return np.hypot(dx, dy)


def prepare_source(cutout: Cutout, canvas_width_px: float) -> Source:
    """The cutout premultiplied, shrunk by area averaging when its width exceeds `canvas_width_px`.

    Warping a much larger source with bilinear sampling would alias; fits are then made on the
    shrunk source, so no coordinate needs converting back. The result is shared: see per_cutout.
    """
    factor = canvas_width_px / cutout.width
    if factor >= 1.0:
        return once_per_cutout(cutout, "source", lambda: Source(_premultiplied(cutout)))
    size = (max(round(cutout.width * factor), 1), max(round(cutout.height * factor), 1))
    return once_per_cutout(cutout, ("source", size), lambda: _shrunk(cutout, size))


def enlargement(scale: float, source: Source, cutout: Cutout) -> float:
    """Canvas px per photo px, from `scale` canvas px per px of `source` (which may be shrunk)."""
    return scale * source.alpha.shape[1] / cutout.width


def _premultiplied(cutout: Cutout) -> FloatImage:
    return np.dstack([cutout.rgb * cutout.alpha[..., None], cutout.alpha]).astype(np.float32)


def _shrunk(cutout: Cutout, size: tuple[int, int]) -> Source:
    shrunk = cv2.resize(_premultiplied(cutout), size, interpolation=cv2.INTER_AREA)
    return Source(np.asarray(shrunk, np.float32))


@dataclass(frozen=True)
class Annulus:
    """A band seen face-on in its source: centre and radii in source pixels."""

    center: Point
    inner_radius: float
    outer_radius: float


def fit_annulus(alpha: FloatImage) -> Annulus:
    """Centre and radii of the band in a face-on photo of a ring, bangle or bracelet.

    The centre and inner radius come from the hole (the largest background region enclosed by the
    piece); the outer radius is the median outline radius over the lower half, since a ring's
    stone and setting sit on top.
    """
    solid = alpha >= 0.5
    holes = regions(~solid)
    if not holes.enclosed.any():
        raise ImagingError(
            "the cut-out shows no hole inside the band: photograph the piece standing upright, face-on"
        )
    areas = np.where(holes.enclosed, holes.areas, 0)
    hole = int(np.argmax(areas))
    cx, cy = (float(c) for c in holes.centroids[hole])

    ys, xs = np.nonzero(solid)
    dx, dy = xs - cx, ys - cy
    lower = dy > 0
    radius = np.hypot(dx[lower], dy[lower])
    bins = np.minimum(
        (np.arctan2(dy[lower], dx[lower]) / math.pi * _ANGLE_BINS).astype(int), _ANGLE_BINS - 1
    )
    outline = np.zeros(_ANGLE_BINS)
    np.maximum.at(outline, bins, radius)
    outer = float(np.median(outline[outline > 0]))
    return Annulus((cx, cy), math.sqrt(float(areas[hole]) / math.pi), outer)


def band_margin(annulus: Annulus) -> float:
    """Source px beyond the band's fitted edges that still belong to it.

    A bracelet's clasp stands out of the chain's line by about the chain's width: cut at the
    edges, it showed as two halves with a gap. Never as far as half the hole, so sampling cannot
    reach across it to the far side of the band.
    """
    thickness = annulus.outer_radius - annulus.inner_radius
    return max(2.0, min(thickness, annulus.inner_radius / 2))


def fit_disc(alpha: FloatImage) -> tuple[Point, float]:
    """Centre and radius of a watch case among its straps, in the piece's alpha.

    A white dial on a white set loses thin lines along its hands and markers to the cutout, and
    the largest disc left whole inside the piece was once a strap's. So the case is looked for
    near the centre of the largest disc inside the piece's convex hull (the case is the piece's
    widest part), as the largest disc there inside the piece with its holes filled.
    """
    solid = (alpha >= 0.5).astype(np.uint8)
    hull = np.zeros_like(solid)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(solid)), (1,))
    reach = cv2.distanceTransform(hull, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    hy, hx = np.unravel_index(int(np.argmax(reach)), reach.shape)
    inside = cv2.distanceTransform(_holes_filled(solid), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ys, xs = np.mgrid[0 : solid.shape[0], 0 : solid.shape[1]]
    near = np.hypot(xs - hx, ys - hy) <= CASE_SEARCH_SHARE * float(reach[hy, hx])
    y, x = np.unravel_index(int(np.argmax(np.where(near, inside, 0.0))), inside.shape)
    # The distance runs to the nearest outside pixel centre, half a pixel beyond the edge.
    return (float(x), float(y)), float(inside[y, x]) - 0.5


def _holes_filled(solid: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """`solid` with its holes filled."""
    holes = regions(solid == 0)
    return np.where(holes.enclosed[holes.labels], 1, solid).astype(np.uint8)


@dataclass(frozen=True)
class CanvasBox:
    """A crop of the canvas, [x0, x1) x [y0, y1), that the piece is drawn into."""

    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def around(cls, points: Sequence[Point], pad: float, width: int, height: int) -> CanvasBox:
        """The box holding `points` plus `pad` pixels, clipped to a width x height canvas."""
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return cls(
            x0=min(max(math.floor(min(xs) - pad), 0), width),
            y0=min(max(math.floor(min(ys) - pad), 0), height),
            x1=max(min(math.ceil(max(xs) + pad), width), 0),
            y1=max(min(math.ceil(max(ys) + pad), height), 0),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return (max(self.y1 - self.y0, 0), max(self.x1 - self.x0, 0))

    def crop(self, image: FloatImage) -> FloatImage:
        return image[self.y0 : self.y1, self.x0 : self.x1]

    def frame(self, origin: Point, across: Vector, along: Vector) -> tuple[FloatImage, FloatImage]:
        """Every box pixel's coordinates (across, along) relative to `origin`, in canvas pixels."""
        dx = np.arange(self.x0, self.x1, dtype=np.float32)[None, :] - np.float32(origin[0])
        dy = np.arange(self.y0, self.y1, dtype=np.float32)[:, None] - np.float32(origin[1])
        return (
            dx * np.float32(across[0]) + dy * np.float32(across[1]),
            dx * np.float32(along[0]) + dy * np.float32(along[1]),
        )

    def on_canvas(self, crop: FloatImage, height: int, width: int) -> FloatImage:
        """`crop` pasted into an otherwise empty canvas of height x width."""
        canvas = np.zeros((height, width, *crop.shape[2:]), np.float32)
        canvas[self.y0 : self.y1, self.x0 : self.x1] = crop
        return canvas


@dataclass(frozen=True)
class Layer:
    """One part of the piece in a CanvasBox: premultiplied RGBA, and how much the body hides it."""

    rgba: FloatImage
    hidden: FloatImage | None = None  # 0..1 per pixel: the body in front of this part

    @property
    def alpha(self) -> FloatImage:
        return self.rgba[..., 3]

    def visible_alpha(self) -> FloatImage:
        """The alpha the viewer sees of this part."""
        return self.alpha if self.hidden is None else self.alpha * (1.0 - self.hidden)


def stack(layers: Sequence[FloatImage]) -> FloatImage:
    """Premultiplied RGBA layers composited back to front (Porter-Duff over)."""
    result = layers[0].copy()
    for layer in layers[1:]:
        result *= 1.0 - layer[..., 3:4]
        result += layer
    return result


def stack_alpha(alphas: Sequence[FloatImage]) -> FloatImage:
    """The alpha of layers composited back to front."""
    result = alphas[0].copy()
    for alpha in alphas[1:]:
        result *= 1.0 - alpha
        result += alpha
    return result


@dataclass(frozen=True)
class BandPose:
    """Where a band sits on the canvas and how it is seen."""

    center: Point  # on the body part's axis, canvas pixels
    across: Vector  # unit vector across the body part
    along: Vector  # unit vector along the axis, towards the side the front arc shows on
    outer_radius_px: float
    width_px: float  # the band's width along the axis
    tilt: float = DEFAULT_TILT  # sine of the view tilt: minor / major axis of the ellipse
    turn_deg: float = 0.0  # how far the band is turned around the axis

    def front_center(self) -> Point:
        """Canvas point of the middle of the band's front arc, where a stone sits."""
        turn = math.radians(self.turn_deg)
        p = self.outer_radius_px * math.sin(turn)
        q = self.outer_radius_px * math.cos(turn) * self.tilt
        return (
            self.center[0] + p * self.across[0] + q * self.along[0],
            self.center[1] + p * self.across[1] + q * self.along[1],
        )

    def corners(self, reach_px: float = 0.0) -> list[Point]:
        """Canvas corners of a box holding the band, `reach_px` more on every side."""
        p = self.outer_radius_px + reach_px
        q = self.outer_radius_px * self.tilt + self.width_px / 2 + reach_px
        return [
            (
                self.center[0] + sp * p * self.across[0] + sq * q * self.along[0],
                self.center[1] + sp * p * self.across[1] + sq * q * self.along[1],
            )
            for sp in (-1, 1)
            for sq in (-1, 1)
        ]


def draw_band(
    band: Source, annulus: Annulus, pose: BandPose, box: CanvasBox
) -> tuple[Layer, Layer]:
    """The band's (front arc, back arc) in `box`, sampled from its face-on photo.

    Each canvas pixel is unwrapped to an angle around the band and a position across the band's
    width; the angle picks the same angle in the photo and the width position a radius between the
    inner and outer edge, so the metal's own pixels are resampled, never redrawn. `band` must hold
    the band alone (a ring's stone masked out). The back arc is not yet hidden: see `Layer.hidden`.
    """
    p, q = box.frame(pose.center, pose.across, pose.along)
    radius = pose.outer_radius_px
    cos_theta = np.clip(p / radius, -1.0, 1.0)
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    ends = np.clip(radius - np.abs(p) + 0.5, 0.0, 1.0)
    inner, outer = annulus.inner_radius, annulus.outer_radius
    cx, cy = annulus.center
    cos_tilt = math.sqrt(1.0 - pose.tilt**2)
    cos_turn, sin_turn = (
        math.cos(math.radians(pose.turn_deg)),
        math.sin(math.radians(pose.turn_deg)),
    )
    scale = radius / outer  # canvas px per photo px
    margin = band_margin(annulus)

    arcs = []
    for side in (1.0, -1.0):
        axial = (q - side * radius * pose.tilt * sin_theta) / cos_tilt
        rho = _radius_across(axial + pose.width_px / 2, pose.width_px, annulus, scale)
        rho[(rho < inner - margin) | (rho > outer + margin)] = -1e4  # off the photo: transparent
        # The photo's angle is this arc's angle (side * theta) plus the turn.
        cos_angle = cos_theta * cos_turn - side * sin_theta * sin_turn
        sin_angle = side * sin_theta * cos_turn + cos_theta * sin_turn
        sampled = cv2.remap(
            band.rgba,
            cx + rho * cos_angle,
            cy - rho * sin_angle,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0.0, 0.0, 0.0, 0.0),
        )
        arcs.append(Layer(np.asarray(sampled, np.float32) * ends[..., None]))
    return arcs[0], arcs[1]


def _radius_across(
    from_edge: FloatImage, width_px: float, annulus: Annulus, scale: float
) -> FloatImage:
    """The photo's radius for a canvas position across the band (px from its inner edge).

    The face-on photo shows the band's thickness and the wrist or finger its width, so the band
    is stretched from one to the other; within RIM_PX photo pixels of either edge, though, it keeps
    the photo's own scale (`scale` canvas px per photo px), so its edges stay as sharp as the
    photo's: stretched with the rest, a 3 mm thick band shown 6 mm wide had edges twice as soft.
    """
    inner, outer = annulus.inner_radius, annulus.outer_radius
    half_width, half_thickness = width_px / 2.0, (outer - inner) / 2.0
    rim = min(RIM_PX * scale, half_width / 2.0)  # canvas px
    if rim / scale >= half_thickness:  # a band no thicker than its rims: one scale throughout
        return np.asarray(inner + from_edge / width_px * (outer - inner), np.float32)
    nearer = np.minimum(from_edge, width_px - from_edge)  # canvas px; negative off the band
    stretch = (half_thickness - rim / scale) / (half_width - rim)
    depth = np.where(nearer <= rim, nearer / scale, rim / scale + (nearer - rim) * stretch)
    return np.asarray(np.where(from_edge <= half_width, inner + depth, outer - depth), np.float32)


def paste_upright(
    part: Source, src_point: Point, dst_point: Point, scale: float, up: Vector, box: CanvasBox
) -> Layer:
    """`part` moved undistorted (similarity) so `src_point` lands on `dst_point`, its up along `up`."""
    rotation = angle_deg(up) - angle_deg((0.0, -1.0))
    matrix = similarity_matrix(src_point, dst_point, scale, rotation)
    matrix[:, 2] -= (box.x0, box.y0)
    height, width = box.shape
    warped = cv2.warpAffine(
        part.rgba,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0.0, 0.0, 0.0, 0.0),
    )
    return Layer(np.asarray(warped, np.float32))


def body_in_box(
    template: Template, box: CanvasBox, pose: BandPose, body_width_px: float
) -> FloatImage:
    """The body part in `box`: the template's body mask, or a cylinder of the anchor's width."""
    if template.body_mask is not None:
        return np.clip(box.crop(template.body_mask), 0.0, 1.0)
    p, _ = box.frame(pose.center, pose.across, pose.along)
    return np.clip(body_width_px / 2 - np.abs(p) + 0.5, 0.0, 1.0)


def layered_placement(
    template: Template,
    box: CanvasBox,
    layers: Sequence[Layer],
    *,
    contact: FloatImage,
    measure_mask: FloatImage,
    measure_axis: Vector,
    expected_extent_mm: float,
    extent_name: str,
    anchor_points: tuple[Point, ...],
    enlargement: float,
    notes: tuple[str, ...] = (),
) -> Placement:
    """A canvas-size Placement from `layers` (back to front) and masks drawn in `box`."""
    whole = stack([layer.rgba for layer in layers])
    alpha_whole = np.clip(whole[..., 3], 0.0, 1.0)
    alpha_seen = alpha_whole
    if any(layer.hidden is not None for layer in layers):
        alpha_seen = np.clip(stack_alpha([layer.visible_alpha() for layer in layers]), 0.0, 1.0)
    h, w = template.height, template.width
    return Placement(
        rgb=box.on_canvas(unpremultiply(whole[..., :3], alpha_whole), h, w),
        alpha=box.on_canvas(alpha_seen, h, w),
        alpha_unoccluded=box.on_canvas(alpha_whole, h, w),
        contact=box.on_canvas(np.clip(contact, 0.0, 1.0), h, w),
        measure_mask=box.on_canvas(np.clip(measure_mask, 0.0, 1.0), h, w),
        measure_axis=measure_axis,
        expected_extent_mm=expected_extent_mm,
        extent_name=extent_name,
        anchor_points=anchor_points,
        notes=notes,
        enlargement=enlargement,
    )


def offset_point(point: Point, across: Vector, along: Vector, a: float, b: float) -> Point:
    """`point` moved `a` pixels along `across` and `b` pixels along `along`."""
    return (point[0] + a * across[0] + b * along[0], point[1] + a * across[1] + b * along[1])


def clipped_jitter(jitter: PoseJitter, template: Template) -> tuple[float, float, float]:
    """A jitter's (turn around the axis in degrees, shift across mm, shift along mm), each held
    within the template's pose tolerance."""
    deg = template.annotation.pose_tolerance_deg
    mm = template.annotation.pose_tolerance_mm
    across, along = jitter.shift_mm
    return (
        float(np.clip(jitter.rotation_deg, -deg, deg)),
        float(np.clip(across, -mm, mm)),
        float(np.clip(along, -mm, mm)),
    )
