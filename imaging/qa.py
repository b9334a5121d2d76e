"""Measured QA of a render: every check with its value, threshold and pass/fail, and the tier it reaches.

Each check measures one artifact of compositing on the render itself (a crop around the piece),
against the template without the piece, the placement, or the source cut-out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import map_coordinates
from skimage.color import deltaE_ciede2000, rgb2lab

from imaging.cutout import Cutout
from imaging.geometry import Point, Vector, angle_between_deg
from imaging.image_io import FloatImage
from imaging.jewelry import JewelryType
from imaging.light import (
    ALPHA_EPS,
    Box,
    Composite,
    LightParams,
    linear_to_srgb,
    luminance,
    piece_box,
    shadow_map,
    srgb_to_linear,
    visible_fraction,
)
from imaging.place import Placement
from imaging.product_spec import ProductSpec
from imaging.template import Template

BoolMask = NDArray[np.bool_]

QA_MARGIN_MM = 6.0  # around the piece: enough for the shadow's reach
HALO_RING_PX = 2.0
HALO_WINDOW_PX = 15  # where the piece's own lightness is read, around each ring pixel
SOLID_ALPHA = 0.9  # piece pixels counted as the metal itself, not its edge
OPAQUE_ALPHA = 0.99  # a fringe lives where alpha < 1: the piece's own colour is read inside that
EDGE_PROFILE_REACH_PX = 10.0
RESAMPLING_EDGE_PX = 0.5  # the narrowest 25-75% edge rise a resampled piece can have
RISE_PER_SIGMA = 1.349  # 25-75% rise of a Gaussian-blurred edge, per px of sigma
_MAX_COLOUR_SAMPLES = 20_000
_MAX_EDGE_SAMPLES = 1_500
_MIN_EDGE_CONTRAST = 0.05  # sRGB distance across an edge below which its profile is noise
_COLOUR_SMOOTHING_PX = 1.0
_MIN_COLOUR_SAMPLES = 50
_MIN_SHADOW_ASYMMETRY = 0.02  # mean outward-normal vote below this: no shadow direction
_EDGE_STEP_PX = 0.25


class Tier(StrEnum):
    """Quality tiers, strictest last. A render reaches the strictest tier whose thresholds it all passes."""

    FAIL = "fail"
    SOCIAL = "social"
    LISTING = "listing"
    EDITORIAL = "editorial"


@dataclass(frozen=True)
class Check:
    """One measured check. `threshold` is the listing tier's limit; `limits` has every tier's."""

    name: str  # stable code, e.g. "metal_colour_de2000"
    value: float
    threshold: float
    passed: bool  # at the listing tier
    unit: str
    higher_is_better: bool
    limits: dict[str, float]  # tier name -> limit
    message: str  # one sentence: what was measured and, when failing, what it means

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: a value that could not be measured (NaN) becomes null."""
        data = asdict(self)
        data["value"] = None if math.isnan(self.value) else self.value
        return data


@dataclass(frozen=True)
class QAReport:
    checks: tuple[Check, ...]
    tier: Tier

    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


@dataclass(frozen=True)
class CheckRule:
    """How a check is judged: its unit, its direction and its limit at each tier."""

    unit: str
    higher_is_better: bool
    social: float
    listing: float
    editorial: float
    failure_meaning: str  # appended to the message when the listing limit is missed

    def limits(self) -> dict[str, float]:
        return {
            Tier.SOCIAL.value: self.social,
            Tier.LISTING.value: self.listing,
            Tier.EDITORIAL.value: self.editorial,
        }


RULES: dict[str, CheckRule] = {
    "contact_shadow": CheckRule(
        "%", True, 3.0, 6.0, 10.0, "the piece floats above the skin instead of resting on it"
    ),
    "shadow_direction": CheckRule(
        "deg", False, 60.0, 35.0, 20.0, "the shadow disagrees with the photo's light"
    ),
    "metal_colour_de2000": CheckRule(
        "dE00", False, 3.5, 2.0, 1.2, "the metal no longer looks like the seller's piece"
    ),
    "edge_sharpness": CheckRule(
        "x", False, 2.2, 1.6, 1.35, "the edge looks pasted on (too sharp) or mushy (too soft)"
    ),
    "scale_error_pct": CheckRule(
        "%", False, 10.0, 5.0, 2.5, "the piece is not shown at its true size"
    ),
    "pixels_across": CheckRule(
        "px", True, 16.0, 32.0, 64.0, "the piece is too small in the frame to show its detail"
    ),
    "halo": CheckRule("L*", False, 3.0, 1.5, 0.75, "a light fringe of the old background shows"),
    "occlusion": CheckRule(
        "% points", False, 15.0, 5.0, 1.0, "too much of the piece is hidden or off the body"
    ),
}


@dataclass(frozen=True)
class OcclusionRule:
    """Sane visible fraction (alpha / alpha_unoccluded) and least fraction on the body, per type."""

    visible_min: float
    visible_max: float
    on_body_min: float


OCCLUSION_RULES: dict[JewelryType, OcclusionRule] = {
    JewelryType.NECKLACE: OcclusionRule(0.7, 1.0, 0.5),
    JewelryType.PENDANT: OcclusionRule(0.7, 1.0, 0.5),
    JewelryType.EARRINGS: OcclusionRule(0.5, 1.0, 0.1),  # drops hang below the ear
    JewelryType.RING: OcclusionRule(0.4, 1.0, 0.6),  # the back of the band is behind the finger
    JewelryType.BRACELET: OcclusionRule(0.35, 1.0, 0.6),  # the back half is behind the wrist
    JewelryType.BANGLE: OcclusionRule(0.35, 1.0, 0.6),
    JewelryType.WATCH: OcclusionRule(0.35, 1.0, 0.6),
}


@dataclass(frozen=True)
class Extent:
    """The measured extent of the placement's measure mask along its axis, on the canvas."""

    start: Point
    end: Point
    length_px: float
    half_width_px: float  # half the mask's extent across the axis, from the line through its centre


def evaluate_render(
    source: Cutout,
    composite: Composite,
    placement: Placement,
    template: Template,
    spec: ProductSpec,
) -> QAReport:
    """Measure every check on the render and grade it into a tier."""
    views = _Views.of(composite, placement, template)
    px_per_mm = template.annotation.px_per_mm
    extent = measure_extent(placement)
    extent_mm = extent.length_px / px_per_mm
    checks = (
        _contact_shadow(views),
        _shadow_direction(views, template.annotation.light_direction),
        _metal_colour(views, placement, composite),
        _edge_sharpness(views, source, composite),
        _scale_error(extent_mm, placement),
        _pixels_across(extent.length_px, placement.extent_name),
        _halo(views),
        _occlusion(views, OCCLUSION_RULES[spec.jewelry_type], spec.jewelry_type),
    )
    return QAReport(checks=checks, tier=_reached_tier(checks))


def reshoot_verdict(reports: Sequence[QAReport], run: int = 3) -> str | None:
    """'reshoot the source photo: ...' when one check failed in `run` consecutive reports, else None.

    A flaw that repeats across variations comes from the source photo, not from one render.
    """
    streaks: dict[str, int] = {}
    for report in reports:
        failed = {check.name: check for check in report.failed()}
        streaks = {name: streaks.get(name, 0) + 1 for name in failed}
        for name, count in streaks.items():
            if count >= run:
                return (
                    f"reshoot the source photo: {name} failed in {run} variations in a row "
                    f"({failed[name].message})"
                )
    return None


def measure_extent(placement: Placement) -> Extent:
    """Extent of measure_mask > 0.5 projected on measure_axis, with its end points on the canvas."""
    box = piece_box(placement.measure_mask, 0)
    rows, cols = box.slices
    rows_in, cols_in = np.nonzero(placement.measure_mask[rows, cols] > 0.5)
    if cols_in.size == 0:
        centre = ((box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0)
        return Extent(centre, centre, 0.0, 0.0)
    ax, ay = placement.measure_axis
    xs = cols_in + float(box.left)
    ys = rows_in + float(box.top)
    along = xs * ax + ys * ay
    cx, cy = float(xs.mean()), float(ys.mean())
    centre_along = cx * ax + cy * ay
    # Pixels are squares: the extent runs from the first pixel's near side to the last's far side.
    low = float(along.min()) - 0.5 - centre_along
    high = float(along.max()) + 0.5 - centre_along
    across = np.abs((xs - cx) * -ay + (ys - cy) * ax)
    start, end = (cx + low * ax, cy + low * ay), (cx + high * ax, cy + high * ay)
    return Extent(start, end, high - low, float(across.max()) + 0.5)


def shadow_offset(composite: Composite, placement: Placement, template: Template) -> Vector | None:
    """The direction the measured shadow falls from the piece (its length is its one-sidedness,
    0..1); None when the render shows no directional shadow."""
    return _shadow_offset(_Views.of(composite, placement, template))


def halo_ring(placement: Placement, px_per_mm: float) -> tuple[Box, BoolMask]:
    """The ring just outside the visible piece where a fringe would show, in the QA crop."""
    box = piece_box(placement.alpha_unoccluded, _margin_px(px_per_mm))
    rows, cols = box.slices
    whole = placement.alpha_unoccluded[rows, cols]
    hidden = whole - placement.alpha[rows, cols]
    return box, _ring(_distance_outside(whole), hidden)


@dataclass(frozen=True)
class _Views:
    """Everything the checks look at, cropped to the piece and the reach of its shadow."""

    box: Box
    render: FloatImage  # sRGB
    scene: FloatImage  # the template without piece or shadow, sRGB
    shadow: FloatImage
    alpha: FloatImage
    whole: FloatImage  # alpha before occlusion
    contact: FloatImage
    body: FloatImage
    distance_outside: FloatImage  # px from the piece (alpha_unoccluded > 0.5); 0 on it
    distance_clear: FloatImage  # px from any trace of the piece (alpha_unoccluded > 0); 0 on it
    px_per_mm: float

    @classmethod
    def of(cls, composite: Composite, placement: Placement, template: Template) -> _Views:
        px_per_mm = template.annotation.px_per_mm
        box = piece_box(placement.alpha_unoccluded, _margin_px(px_per_mm))
        rows, cols = box.slices
        whole = placement.alpha_unoccluded[rows, cols]
        body = template.body_mask
        return cls(
            box=box,
            render=composite.rgb[rows, cols],
            scene=template.rgb[rows, cols],
            shadow=composite.shadow[rows, cols],
            alpha=placement.alpha[rows, cols],
            whole=whole,
            contact=placement.contact[rows, cols],
            body=np.ones_like(whole) if body is None else body[rows, cols],
            distance_outside=_distance_outside(whole),
            distance_clear=_distance_outside((whole > ALPHA_EPS).astype(np.float32)),
            px_per_mm=px_per_mm,
        )

    @property
    def hidden(self) -> FloatImage:
        return np.clip(self.whole - self.alpha, 0.0, 1.0)

    def darkening(self) -> FloatImage:
        """1 - Y(render) / Y(template): how much the render darkens the scene, per pixel."""
        rendered = luminance(srgb_to_linear(self.render))
        original = luminance(srgb_to_linear(self.scene))
        return (1.0 - rendered / np.maximum(original, 1e-4)).astype(np.float32)

    def shadowed_scene(self) -> FloatImage:
        """The template with the render's shadow but without the piece, sRGB."""
        return linear_to_srgb(srgb_to_linear(self.scene) * (1.0 - self.shadow[..., None]))

    def scene_outside(self) -> BoolMask:
        """Pixels where the render shows only the scene: clear of the piece and its soft edge."""
        return self.distance_clear >= 1.0


def _contact_shadow(views: _Views) -> Check:
    band_px = max(2.0, 0.5 * views.px_per_mm)
    band = views.scene_outside() & (views.distance_clear <= 1.0 + band_px) & (views.body > 0.5)
    if np.any(views.contact > 0.5):  # where the piece rests on skin, when the placement says
        near_contact = _distance_outside(views.contact) <= views.distance_outside + 1.0
        if np.any(band & near_contact):
            band &= near_contact
    if not np.any(band):
        return _check("contact_shadow", 0.0, "no skin next to the piece to measure its shadow on")
    rendered = luminance(srgb_to_linear(views.render[band]))
    original = luminance(srgb_to_linear(views.scene[band]))
    darkening = 100.0 * (1.0 - float(rendered.sum()) / max(float(original.sum()), 1e-6))
    return _check(
        "contact_shadow",
        darkening,
        f"the skin next to the piece is {darkening:.1f}% darker than without it",
    )


def _shadow_direction(views: _Views, light: Vector) -> Check:
    offset = _shadow_offset(views)
    if offset is None:
        return _check("shadow_direction", 180.0, "the render shows no shadow with a direction")
    # Compare with the shadow this light would cast where a shadow can fall (on the body): on a
    # narrow finger a shadow cast diagonally can only show along the finger, and that is right.
    angle = angle_between_deg(offset, _expected_shadow_offset(views, light) or light)
    return _check(
        "shadow_direction",
        angle,
        f"the shadow falls {angle:.0f} degrees away from where the photo's light would cast it",
    )


def _shadow_offset(views: _Views) -> Vector | None:
    """Direction of the measured shadow; see _outward_votes."""
    return _outward_votes(views, np.clip(views.darkening(), 0.0, 1.0))


def _expected_shadow_offset(views: _Views, light: Vector) -> Vector | None:
    """Direction of the shadow the photo's own light casts (the light model with its defaults),
    measured like the real one."""
    contact = views.contact * visible_fraction(views.alpha, views.whole)
    expected = shadow_map(contact, views.alpha, views.body, light, views.px_per_mm, LightParams())
    return _outward_votes(views, expected)


def _outward_votes(views: _Views, darkening: FloatImage) -> Vector | None:
    # Each pixel outside the piece votes with its outward normal, weighted by how much it is darkened:
    # a shadow cast along the light darkens the far side more, so the votes add up along the light.
    # Unlike centroids, this is not pulled towards long thin parts (a chain) or heavy ones (a pendant).
    weights = np.where(views.scene_outside(), darkening, 0.0)
    total = float(weights.sum())
    if total < 1.0:  # less than one pixel's worth of full darkening
        return None
    grad_y, grad_x = np.gradient(views.distance_outside)
    norm = np.maximum(np.hypot(grad_x, grad_y), 1e-6)
    dx = float((weights * grad_x / norm).sum()) / total
    dy = float((weights * grad_y / norm).sum()) / total
    if math.hypot(dx, dy) < _MIN_SHADOW_ASYMMETRY:
        return None
    return (dx, dy)


def _metal_colour(views: _Views, placement: Placement, composite: Composite) -> Check:
    rows, cols = views.box.slices
    solid = views.alpha > SOLID_ALPHA
    if not np.any(solid):
        return _check("metal_colour_de2000", math.nan, "no part of the piece is fully visible")
    # Colour, not texture: the light adds grain and a matching blur on purpose, so both sides are
    # smoothed alike before they are compared; otherwise every sharp highlight would count as a shift.
    sigma = math.hypot(composite.blur_sigma_px, _COLOUR_SMOOTHING_PX)
    reach = 2 * math.ceil(2.0 * sigma) + 1  # keep pixels whose smoothing stays inside the piece
    inner = cv2.erode(solid.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    solid = inner if np.count_nonzero(inner) >= _MIN_COLOUR_SAMPLES else solid
    source_rgb = _smooth(placement.rgb[rows, cols], sigma)
    render_rgb = _smooth(views.render, sigma)
    stride = max(1, int(np.count_nonzero(solid)) // _MAX_COLOUR_SAMPLES)
    source = source_rgb[solid][::stride]
    rendered = render_rgb[solid][::stride]
    difference = float(np.median(deltaE_ciede2000(rgb2lab(source), rgb2lab(rendered))))
    return _check(
        "metal_colour_de2000",
        difference,
        f"the metal's colour differs from the source by a median CIEDE2000 of {difference:.2f}",
    )


def _smooth(rgb: FloatImage, sigma: float) -> FloatImage:
    return np.asarray(
        cv2.GaussianBlur(rgb, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE), dtype=np.float32
    )


def _edge_sharpness(views: _Views, source: Cutout, composite: Composite) -> Check:
    rendered_width = _edge_width(
        views.render, views.shadowed_scene(), views.whole, views.hidden < 0.05
    )
    background = np.broadcast_to(
        np.array(source.background_rgb, dtype=np.float32), source.rgb.shape
    )
    coverage = source.alpha[..., None]
    photo = np.asarray(source.rgb * coverage + background * (1.0 - coverage), dtype=np.float32)
    source_width = _edge_width(
        photo, background, source.alpha, np.ones_like(source.alpha, dtype=bool)
    )
    if rendered_width is None or source_width is None:
        return _check(
            "edge_sharpness", math.nan, "the piece's edge has too little contrast to measure"
        )
    scale = math.sqrt(float(views.whole.sum()) / max(float(source.alpha.sum()), 1e-6))
    # The light softens the piece on purpose to match a soft photo: that is not a flaw.
    matched_px = RISE_PER_SIGMA * composite.blur_sigma_px
    expected = math.hypot(source_width * scale, RESAMPLING_EDGE_PX, matched_px)
    ratio = rendered_width / expected
    off_by = max(ratio, 1.0 / ratio)
    kind = "sharper" if ratio < 1.0 else "softer"
    return _check(
        "edge_sharpness",
        off_by,
        f"the piece's edge is {rendered_width:.2f} px wide, {off_by:.2f}x {kind} than the source's "
        f"{expected:.2f} px at this scale",
    )


def _edge_width(
    image: FloatImage, behind: FloatImage, alpha: FloatImage, eligible: BoolMask
) -> float | None:
    """Mean width of the piece's edge: the distance over which the piece's share of the colour
    (against `behind`, what the image shows without the piece) goes from 25% to 75%, along
    profiles across the alpha edge. Read only where alpha changes, so engraving near the edge
    does not count; counting samples, not taking slopes, so grain does not count either.
    None when no edge has a clear inside and outside and enough contrast."""
    smooth = cv2.GaussianBlur(alpha, (0, 0), 1.0)
    ys, xs = np.nonzero((smooth > 0.3) & (smooth < 0.7) & eligible)
    if xs.size == 0:
        return None
    stride = max(1, xs.size // _MAX_EDGE_SAMPLES)
    ys, xs = ys[::stride], xs[::stride]
    gy, gx = np.gradient(smooth)
    norm = np.maximum(np.hypot(gx[ys, xs], gy[ys, xs]), 1e-6)
    out_x, out_y = -gx[ys, xs] / norm, -gy[ys, xs] / norm  # alpha falls outwards
    t = np.arange(-EDGE_PROFILE_REACH_PX, EDGE_PROFILE_REACH_PX + _EDGE_STEP_PX / 2, _EDGE_STEP_PX)
    coords = np.stack([ys[:, None] + t * out_y[:, None], xs[:, None] + t * out_x[:, None]])
    alpha_profile = map_coordinates(alpha, coords, order=1)
    # The edge runs from the last sample still solid to the first one clear of the piece.
    index = np.arange(t.size)
    centre = t.size // 2
    first = np.where((alpha_profile >= 0.97) & (index < centre), index, -1).max(axis=1)
    last = np.where((alpha_profile <= 0.03) & (index > centre), index, t.size).min(axis=1)
    clear = np.flatnonzero((first >= 0) & (last < t.size))
    if clear.size == 0:
        return None
    piece_share = np.stack(
        [map_coordinates(image[..., c] - behind[..., c], coords, order=1) for c in range(3)], -1
    )[clear]
    first, last = first[clear], last[clear]
    across = piece_share[np.arange(clear.size), first]
    contrast = np.linalg.norm(across, axis=1)
    strong = contrast > _MIN_EDGE_CONTRAST
    if not np.any(strong):
        return None
    direction = across[strong] / contrast[strong, None] ** 2
    rise = np.einsum("ntc,nc->nt", piece_share[strong], direction)
    within = (index >= first[strong, None]) & (index <= last[strong, None])
    middle = within & (rise > 0.25) & (rise < 0.75)
    return float(np.mean(np.count_nonzero(middle, axis=1))) * _EDGE_STEP_PX


def _scale_error(extent_mm: float, placement: Placement) -> Check:
    expected = placement.expected_extent_mm
    error = 100.0 * abs(extent_mm - expected) / expected
    return _check(
        "scale_error_pct",
        error,
        f"{placement.extent_name} measures {extent_mm:.1f} mm on the render against "
        f"{expected:.1f} mm in the spec ({error:.1f}% off)",
    )


def _pixels_across(length_px: float, extent_name: str) -> Check:
    return _check("pixels_across", length_px, f"{extent_name} spans {length_px:.0f} px")


def _halo(views: _Views) -> Check:
    ring = _ring(views.distance_outside, views.hidden)
    if not np.any(ring):
        return _check("halo", 0.0, "no visible edge to look for a fringe at")
    rendered = _lightness(views.render)
    shadowed_scene = _lightness(views.shadowed_scene())
    # A proper edge mixes the piece and the scene, so it is not lighter than both of them. The
    # piece's side is its mean lightness nearby (a maximum would pick up grain and specks).
    opaque = (views.alpha > OPAQUE_ALPHA).astype(np.float32)
    window = (HALO_WINDOW_PX, HALO_WINDOW_PX)
    opaque_share = cv2.blur(opaque, window)
    nearby_piece = cv2.blur(rendered * opaque, window) / np.maximum(opaque_share, 1e-6)
    excess = rendered - np.maximum(shadowed_scene, np.where(opaque_share > 0, nearby_piece, 0.0))
    mean_excess = float(np.clip(excess[ring], 0.0, None).mean())
    return _check(
        "halo",
        mean_excess,
        f"the ring just outside the piece is {mean_excess:.1f} L* lighter than the piece and skin",
    )


def _occlusion(views: _Views, rule: OcclusionRule, jewelry_type: JewelryType) -> Check:
    total = max(float(views.whole.sum()), 1e-6)
    visible = float(views.alpha.sum()) / total
    on_body = float((views.whole * views.body).sum()) / total
    outside_range = max(rule.visible_min - visible, visible - rule.visible_max, 0.0)
    off_body = max(rule.on_body_min - on_body, 0.0)
    shortfall = 100.0 * max(outside_range, off_body)
    return _check(
        "occlusion",
        shortfall,
        f"{100 * visible:.0f}% of the {jewelry_type.value} is visible "
        f"(sane: {100 * rule.visible_min:.0f}-{100 * rule.visible_max:.0f}%) and "
        f"{100 * on_body:.0f}% lies on the body (at least {100 * rule.on_body_min:.0f}%)",
    )


def _check(name: str, value: float, measured: str) -> Check:
    rule = RULES[name]
    passed = _within(value, rule.listing, rule.higher_is_better)
    message = measured if passed else f"{measured}: {rule.failure_meaning}"
    return Check(
        name=name,
        value=value,
        threshold=rule.listing,
        passed=passed,
        unit=rule.unit,
        higher_is_better=rule.higher_is_better,
        limits=rule.limits(),
        message=message,
    )


def _within(value: float, limit: float, higher_is_better: bool) -> bool:
    """NaN (not measurable) is never within a limit."""
    return value >= limit if higher_is_better else value <= limit


def _reached_tier(checks: Sequence[Check]) -> Tier:
    for tier in (Tier.EDITORIAL, Tier.LISTING, Tier.SOCIAL):
        if all(_within(c.value, c.limits[tier.value], c.higher_is_better) for c in checks):
            return tier
    return Tier.FAIL


def _margin_px(px_per_mm: float) -> int:
    return math.ceil(QA_MARGIN_MM * px_per_mm) + 4


def _distance_outside(mask: FloatImage) -> FloatImage:
    """Per pixel, the distance in px to the nearest pixel where `mask` > 0.5 (0 there)."""
    outside = (mask <= 0.5).astype(np.uint8)
    return np.asarray(cv2.distanceTransform(outside, cv2.DIST_L2, 5), dtype=np.float32)


def _ring(distance_outside: FloatImage, hidden: FloatImage) -> BoolMask:
    return (distance_outside > 0) & (distance_outside <= HALO_RING_PX) & (hidden < 0.1)


def _lightness(srgb: FloatImage) -> FloatImage:
    """CIE L* of sRGB pixels."""
    y = luminance(srgb_to_linear(srgb))
    f = np.where(y > (6 / 29) ** 3, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29)
    return (116.0 * f - 16.0).astype(np.float32)
