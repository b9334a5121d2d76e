"""Measured QA of a render: every check with its value, threshold and pass/fail, and the tier it reaches.

Each check measures one artifact of compositing on the render itself (a crop around the piece),
against the template without the piece, the placement, or the source cut-out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.color import deltaE_ciede2000, rgb2lab

from imaging.cutout import Cutout
from imaging.geometry import Point, Vector, angle_between_deg, unit
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
    shadow_support_px,
    srgb_to_linear,
    visible_fraction,
)
from imaging.place import CHAIN_WIDTH_PERCENTILE, Placement, chain_edges
from imaging.place.per_cutout import once_per_cutout
from imaging.product_spec import ProductSpec
from imaging.regions import regions
from imaging.template import Template

BoolMask = NDArray[np.bool_]
Floats = NDArray[np.float32]

QA_MARGIN_MM = 6.0  # around the piece: enough for the shadow's reach
HALO_RING_PX = 2.0
HALO_WINDOW_PX = 15  # where the piece's own lightness is read, around each ring pixel
# The piece's side of an edge is its own colour where it is most solid: each pixel weighs alpha^4,
# so opaque metal dominates, and a fine chain a soft photo never renders opaque still has one.
HALO_SOLID_POWER = 4.0
OPENING_MAX_MM2 = 25.0  # enclosed gaps this small are openings in the piece (links, a bail)
MIN_OPENING_RING_PX = 50  # openings are judged on their own when they hold this much of the ring
SOLID_ALPHA = 0.9  # piece pixels counted as the metal itself, not its edge
SCALE_RESOLUTION_PX = 0.5  # a measured extent is good to half a pixel: its ends are soft edges
CHAIN_PROFILE_STEP_PX = 0.25
EDGE_PROFILE_REACH_PX = 10.0
EDGE_SOLID_SHARE = 0.97  # of an edge profile's peak alpha: where the piece's side of it starts
BLUR_REACH_SIGMAS = 2.0  # a Gaussian blur moves an edge's 2-98 % rise this far each way
RISE_PER_SIGMA = 1.349  # 25-75% rise of a Gaussian-blurred edge, per px of sigma
_MAX_COLOUR_SAMPLES = 20_000
_MAX_EDGE_SAMPLES = 1_500
_MIN_EDGE_CONTRAST = 0.05  # sRGB distance across an edge below which its profile is noise
_COLOUR_SMOOTHING_PX = 1.0
_MIN_COLOUR_SAMPLES = 50
_MIN_SHADOW_ASYMMETRY = 0.02  # mean outward-normal vote below this: no shadow direction
_EDGE_STEP_PX = 0.25
_LAB_EPSILON = (6 / 29) ** 3


class Tier(StrEnum):
    """Quality tiers, strictest last. A render reaches the strictest tier whose thresholds it all passes."""

    FAIL = "fail"
    SOCIAL = "social"
    LISTING = "listing"
    EDITORIAL = "editorial"


def tier_rank(tier: str | None) -> int:
    """A tier's place in the order (fail 0 ... editorial 3); -1 for no tier or an unknown one."""
    return _TIER_RANKS.get(tier or "", -1)


_TIER_RANKS = {tier.value: rank for rank, tier in enumerate(Tier)}


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
    # The direction the measured shadow falls from the piece (its length is its one-sidedness,
    # 0..1); None when the render shows no directional shadow.
    shadow_offset: Vector | None = None
    # The direction the photo's light would cast it, where a shadow can fall: what the
    # shadow_direction check compares the measured one with.
    expected_shadow_offset: Vector | None = None

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
    # Enlarged twice, each pixel of the photo covers four of the render: soft at a shop's zoom.
    "enlargement": CheckRule(
        "x",
        False,
        3.0,
        2.0,
        1.5,
        "the photo has too few pixels across the piece for the size it is shown at, so its "
        "detail is blurred: photograph it closer or at a higher resolution",
    ),
    "halo": CheckRule("L*", False, 3.0, 1.5, 0.75, "a light fringe of the old background shows"),
    "pendant_gap": CheckRule(
        "mm",
        False,
        2.0,
        1.0,
        0.5,
        "the pendant hangs apart from its chain: its bail was not found whole in the photo",
    ),
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
    mean_width_px: float = 0.0  # a chain's mean width across its centre line (0 for a rigid part)


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
    offset = _shadow_offset(views)
    # A variation turns the light a little from the photo's (LightParams.angle_jitter_deg). The
    # shadow is checked against where the light it was cast by puts it, and that light against the
    # photo's: compared with the photo's light directly, a near-symmetric shadow (a bangle around
    # the wrist) turns several times further than its light did, and a 10 degree turn read as 50.
    # On a narrow finger a shadow cast diagonally can only show along the finger, and that is right.
    used = composite.light_direction
    expected = _expected_shadow_offset(views, used) or used
    light_turn = angle_between_deg(used, template.annotation.light_direction)
    checks: tuple[Check, ...] = (
        _contact_shadow(views),
        _shadow_direction(offset, expected, light_turn),
        _metal_colour(views, placement, composite),
        _edge_sharpness(views, source, composite, placement.enlargement),
        _scale_error(extent_mm, placement, px_per_mm),
        _pixels_across(views, placement, extent),
        _enlargement(placement),
        _halo(views, source.background_rgb),
        _occlusion(views, OCCLUSION_RULES[spec.jewelry_type], spec.jewelry_type),
    )
    if placement.measures_pendant:
        checks = (*checks, _pendant_gap(views))
    return QAReport(
        checks=checks,
        tier=_reached_tier(checks),
        shadow_offset=offset,
        expected_shadow_offset=expected,
    )


# The checks whose failure the source photo causes: too few pixels for the size shown, the
# backdrop's fringe, a cut-out that lost part of the piece (its measured size, a pendant apart from
# its chain). The shadows, the colour, the edge and the occlusion are adorn's own drawing on the
# template: their failing again is no reason to send the seller back to the camera.
SOURCE_CHECKS = frozenset({"enlargement", "halo", "scale_error_pct", "pendant_gap"})


def reshoot_verdict(reports: Sequence[QAReport], run: int = 3) -> str | None:
    """'reshoot the source photo: ...' when one of the SOURCE_CHECKS failed in `run` consecutive
    reports, else None. A flaw of the photo's repeats in every variation made from it."""
    streaks: dict[str, int] = {}
    for report in reports:
        failed = {check.name: check for check in report.failed() if check.name in SOURCE_CHECKS}
        streaks = {name: streaks.get(name, 0) + 1 for name in failed}
        for name, count in streaks.items():
            if count >= run:
                return (
                    f"reshoot the source photo: {name} failed in {run} variations in a row "
                    f"({failed[name].message})"
                )
    return None


def measure_extent(placement: Placement) -> Extent:
    """The measured extent of the placement's measure mask, with its end points on the canvas.

    A rigid part is measured end to end: measure_mask > 0.5 projected on measure_axis. A chain
    (placement.measures_chain) is measured across its own centre line; see _chain_width.
    """
    if placement.measures_chain:
        return _chain_width(placement)
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


def halo_ring(placement: Placement, px_per_mm: float) -> tuple[Box, BoolMask]:
    """The ring just outside the visible piece where a fringe would show, in the QA crop."""
    box = piece_box(placement.alpha_unoccluded, _margin_px(px_per_mm))
    rows, cols = box.slices
    whole = placement.alpha_unoccluded[rows, cols]
    hidden = whole - placement.alpha[rows, cols]
    return box, _ring(_distance_outside(whole), hidden)


@dataclass(frozen=True)
class _Views:
    """Everything the checks look at, cropped to the piece and the reach of its shadow.

    Derived layers are computed once, on first use, and only on the pixels that need them.
    """

    box: Box
    render: FloatImage  # sRGB
    scene: FloatImage  # the template without piece or shadow, sRGB
    shadow: FloatImage
    alpha: FloatImage
    whole: FloatImage  # alpha before occlusion
    contact: FloatImage
    body: FloatImage
    piece: FloatImage  # the piece layer as composited, sRGB
    coverage: FloatImage  # the piece's alpha as composited
    measure: FloatImage  # the placement's measure mask (a pendant, a ring's band...)
    px_per_mm: float

    @classmethod
    def of(cls, composite: Composite, placement: Placement, template: Template) -> _Views:
        px_per_mm = template.annotation.px_per_mm
        box = piece_box(placement.alpha_unoccluded, _margin_px(px_per_mm))
        rows, cols = box.slices
        whole = placement.alpha_unoccluded[rows, cols]
        body = template.body_mask
        coverage = placement.alpha if composite.alpha is None else composite.alpha
        return cls(
            box=box,
            render=composite.rgb[rows, cols],
            scene=template.rgb[rows, cols],
            shadow=composite.shadow[rows, cols],
            alpha=placement.alpha[rows, cols],
            whole=whole,
            contact=placement.contact[rows, cols],
            body=np.ones_like(whole) if body is None else body[rows, cols],
            piece=composite.piece_rgb[rows, cols],
            coverage=coverage[rows, cols],
            measure=placement.measure_mask[rows, cols],
            px_per_mm=px_per_mm,
        )

    @cached_property
    def hidden(self) -> FloatImage:
        return np.clip(self.whole - self.alpha, 0.0, 1.0)

    @cached_property
    def distance_outside(self) -> FloatImage:
        """Px from the piece (alpha_unoccluded > 0.5); 0 on it."""
        return _distance_outside(self.whole)

    @cached_property
    def distance_clear(self) -> FloatImage:
        """Px from any trace of the piece (alpha_unoccluded > 0); 0 on it."""
        return _distance_outside((self.whole > ALPHA_EPS).astype(np.float32))

    @cached_property
    def darkening(self) -> FloatImage:
        """1 - Y(render) / Y(template): how much the render darkens the scene, per pixel.

        Read only where the render differs from the template: elsewhere it is exactly 0."""
        darkening = np.zeros(self.whole.shape, np.float32)
        changed = np.any(self.render != self.scene, axis=2)
        rendered = luminance(srgb_to_linear(self.render[changed]))
        original = luminance(srgb_to_linear(self.scene[changed]))
        darkening[changed] = 1.0 - rendered / np.maximum(original, 1e-4)
        return darkening

    @cached_property
    def openings(self) -> BoolMask:
        """Gaps enclosed by the piece and small enough to be openings in it (a chain's links, a
        bail), not the body seen through a band."""
        clear = regions(self.whole <= 0.5)
        small = clear.areas <= OPENING_MAX_MM2 * self.px_per_mm**2
        return np.asarray((clear.enclosed & small)[clear.labels], dtype=bool)

    @cached_property
    def outward_normals(self) -> tuple[Floats, Floats]:
        """Per pixel, the unit vector (x, y) pointing away from the piece."""
        grad_y, grad_x = np.gradient(self.distance_outside)
        norm = np.maximum(np.hypot(grad_x, grad_y), 1e-6)
        return (grad_x / norm).astype(np.float32), (grad_y / norm).astype(np.float32)

    @cached_property
    def scene_outside(self) -> BoolMask:
        """Pixels where the render shows only the scene: clear of the piece and its soft edge."""
        return np.asarray(self.distance_clear >= 1.0, dtype=bool)


def _contact_shadow(views: _Views) -> Check:
    band_px = max(2.0, 0.5 * views.px_per_mm)
    band = views.scene_outside & (views.distance_clear <= 1.0 + band_px) & (views.body > 0.5)
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


def _shadow_direction(offset: Vector | None, expected: Vector, light_turn_deg: float) -> Check:
    """Degrees from the photo's light: the light's own turn plus the shadow's from where it casts."""
    if offset is None:
        return _check("shadow_direction", 180.0, "the render shows no shadow with a direction")
    cast = angle_between_deg(offset, expected)
    return _check(
        "shadow_direction",
        light_turn_deg + cast,
        f"the shadow falls {cast:.0f} degrees from where its light casts it, a light turned "
        f"{light_turn_deg:.0f} degrees from the photo's",
    )


def _shadow_offset(views: _Views) -> Vector | None:
    """Direction of the measured shadow (QAReport.shadow_offset); see _outward_votes."""
    return _outward_votes(views, np.clip(views.darkening, 0.0, 1.0))


def _expected_shadow_offset(views: _Views, light: Vector) -> Vector | None:
    """Direction of the shadow the photo's own light casts (the light model with its defaults),
    measured like the real one. The model runs only as far as its shadow can reach, which gives
    the same map as running it over the whole crop."""
    params = LightParams()
    near = piece_box(views.whole, shadow_support_px(params, views.px_per_mm)).slices
    contact = views.contact[near] * visible_fraction(views.alpha[near], views.whole[near])
    expected = np.zeros_like(views.whole)
    expected[near] = shadow_map(
        contact, views.alpha[near], views.body[near], light, views.px_per_mm, params
    )
    return _outward_votes(views, expected)


def _outward_votes(views: _Views, darkening: FloatImage) -> Vector | None:
    # Each pixel outside the piece votes with its outward normal, weighted by how much it is darkened:
    # a shadow cast along the light darkens the far side more, so the votes add up along the light.
    # Unlike centroids, this is not pulled towards long thin parts (a chain) or heavy ones (a pendant).
    # Only the scene votes: the matched blur spreads the piece past its matte, and its darker edge
    # there is no shadow (a chain bracelet's read up to 32 degrees off).
    weights = np.where(views.scene_outside & (views.coverage <= ALPHA_EPS), darkening, 0.0)
    total = float(weights.sum())
    if total < 1.0:  # less than one pixel's worth of full darkening
        return None
    normal_x, normal_y = views.outward_normals
    dx = float((weights * normal_x).sum()) / total
    dy = float((weights * normal_y).sum()) / total
    if math.hypot(dx, dy) < _MIN_SHADOW_ASYMMETRY:
        return None
    return (dx, dy)


def _gradient_at(
    image: FloatImage, ys: NDArray[np.intp], xs: NDArray[np.intp]
) -> tuple[Floats, Floats]:
    """np.gradient(image) (d/dy, d/dx) at the pixels (ys, xs) only: central differences inside,
    one-sided at the border."""
    height, width = image.shape
    up, down = np.maximum(ys - 1, 0), np.minimum(ys + 1, height - 1)
    left, right = np.maximum(xs - 1, 0), np.minimum(xs + 1, width - 1)
    grad_y = (image[down, xs] - image[up, xs]) / np.maximum(down - up, 1)
    grad_x = (image[ys, right] - image[ys, left]) / np.maximum(right - left, 1)
    return grad_y.astype(np.float32), grad_x.astype(np.float32)


def _metal_colour(views: _Views, placement: Placement, composite: Composite) -> Check:
    measured = (views.alpha > 0.5) & (views.coverage >= 0.5)
    if not np.any(measured):
        return _check("metal_colour_de2000", math.nan, "no part of the piece is shown")
    # Colour, not texture: the light adds grain and a matching blur on purpose. The source gets the
    # same blur, in linear light as the light stage blurs, and both sides a little smoothing for the
    # grain; otherwise a blur that mixes a stone with its setting would count as a colour shift.
    sigma = math.hypot(composite.blur_sigma_px, _COLOUR_SMOOTHING_PX)
    reach = 2 * math.ceil(2.0 * sigma) + 1  # the metal itself, clear of its edge, where it has room
    inner = cv2.erode(
        (views.alpha > SOLID_ALPHA).astype(np.uint8), np.ones((reach, reach), np.uint8)
    )
    if np.count_nonzero(inner) >= _MIN_COLOUR_SAMPLES:
        measured = inner > 0
    # Smoothing is local: it runs on the measured part's box and the kernel's reach (4 sigma) only.
    around = piece_box(measured.astype(np.float32), math.ceil(4.0 * sigma) + 1).slices
    measured = measured[around]
    source_linear = srgb_to_linear(placement.rgb[views.box.slices][around])
    source = _smooth_within(source_linear, measured, sigma)
    shown = _smooth_within(_shown_piece_linear(views, around), measured, _COLOUR_SMOOTHING_PX)
    stride = max(1, int(np.count_nonzero(measured)) // _MAX_COLOUR_SAMPLES)
    source_lab = rgb2lab(linear_to_srgb(source[measured][::stride]))
    shown_lab = rgb2lab(linear_to_srgb(shown[measured][::stride]))
    difference = float(np.median(deltaE_ciede2000(source_lab, shown_lab)))
    return _check(
        "metal_colour_de2000",
        difference,
        f"the metal's colour differs from the source by a median CIEDE2000 of {difference:.2f}",
    )


def _shown_piece_linear(views: _Views, around: tuple[slice, slice]) -> FloatImage:
    """The piece's colour as the render shows it, in linear light: each pixel unmixed from the
    shadowed scene it was composited over. A fine chain is never opaque in the render (the matched
    blur spreads a 3 px wire over 5): read as it is, the skin showing through would count as a
    colour shift."""
    coverage = np.maximum(views.coverage[around], 0.5)[..., None]
    behind = srgb_to_linear(views.scene[around]) * (1.0 - views.shadow[around])[..., None]
    shown = (srgb_to_linear(views.render[around]) - (1.0 - coverage) * behind) / coverage
    return np.clip(shown, 0.0, 1.0)


def _smooth_within(rgb: FloatImage, mask: BoolMask, sigma: float) -> FloatImage:
    """Gaussian smoothing of `rgb` that averages only the pixels of `mask`."""
    weight = mask.astype(np.float32)
    total = cv2.GaussianBlur(weight, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    summed = cv2.GaussianBlur(
        rgb * weight[..., None], (0, 0), sigma, borderType=cv2.BORDER_REPLICATE
    )
    return np.asarray(summed / np.maximum(total, 1e-6)[..., None], dtype=np.float32)


def _edge_sharpness(
    views: _Views, source: Cutout, composite: Composite, enlargement: float
) -> Check:
    def shadowed_scene_at(map_x: Floats, map_y: Floats) -> Floats:
        scene = _sample(views.scene, map_x, map_y)
        shadow = _sample(views.shadow, map_x, map_y)
        return linear_to_srgb(srgb_to_linear(scene) * (1.0 - shadow[..., None]))

    rendered_width = _edge_width(
        views.render,
        views.whole,
        views.hidden < 0.05,
        shadowed_scene_at,
        spread_px=BLUR_REACH_SIGMAS * composite.blur_sigma_px,
    )
    source_width = _source_edge(source, enlargement)
    if rendered_width is None or source_width is None:
        return _check(
            "edge_sharpness", math.nan, "the piece's edge has too little contrast to measure"
        )
    # The light softens the piece on purpose to match a soft photo: that is not a flaw.
    matched_px = RISE_PER_SIGMA * composite.blur_sigma_px
    expected = math.hypot(source_width, matched_px)
    ratio = rendered_width / expected
    off_by = max(ratio, 1.0 / ratio)
    kind = "sharper" if ratio < 1.0 else "softer"
    return _check(
        "edge_sharpness",
        off_by,
        f"the piece's edge is {rendered_width:.2f} px wide, {off_by:.2f}x {kind} than the source's "
        f"{expected:.2f} px at this scale",
    )


def _source_edge(source: Cutout, scale: float) -> float | None:
    """The edge width in px (None: too little contrast) of the source photo's piece against its
    background, resized by `scale` as the placement resized it (measured once per cut-out and
    scale). Measured at the render's own scale, not scaled after: on a wire a few pixels wide the
    width does not grow with the pixels (a chain's 2.5 px read 2.9 px at 2.45x, not 6.2)."""
    scale = round(scale, 2)

    def measure() -> float | None:
        background = np.array(source.background_rgb, dtype=np.float32)
        filter_ = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        rgb = cv2.resize(source.rgb, None, fx=scale, fy=scale, interpolation=filter_)
        resized = cv2.resize(source.alpha, None, fx=scale, fy=scale, interpolation=filter_)
        alpha = np.clip(resized, 0.0, 1.0).astype(np.float32)
        coverage = alpha[..., None]
        photo = np.asarray(rgb * coverage + background * (1.0 - coverage), np.float32)

        def background_at(map_x: Floats, map_y: Floats) -> Floats:
            return np.broadcast_to(background, (*map_x.shape, 3))

        everywhere = np.ones(alpha.shape, dtype=bool)
        return _edge_width(photo, alpha, everywhere, background_at)

    return once_per_cutout(source, ("edge width", scale), measure)


def _edge_width(
    image: FloatImage,
    alpha: FloatImage,
    eligible: BoolMask,
    behind_at: Callable[[Floats, Floats], Floats],
    spread_px: float = 0.0,
) -> float | None:
    """Mean width of the piece's edge: the distance over which the piece's share of the colour
    (against what the image shows without the piece there, `behind_at` the sample points) goes
    from 25% to 75%, along profiles across the alpha edge. Read only where alpha changes, so
    engraving near the edge does not count; counting samples, not taking slopes, so grain does
    not count either. None when no edge has a clear inside and outside and enough contrast.

    `spread_px`: how far the image's edge was blurred beyond `alpha`'s own on either side. The
    profile's ends move out by as much: read between alpha's own ends, a render blurred by
    2 px sigma measured 2.3 px where its edge rose over 2.9, and by 3 px, 2.0 over 4.2."""
    smooth = np.asarray(cv2.GaussianBlur(alpha, (0, 0), 1.0), dtype=np.float32)
    ys, xs = np.nonzero((smooth > 0.3) & (smooth < 0.7) & eligible)
    if xs.size == 0:
        return None
    stride = max(1, xs.size // _MAX_EDGE_SAMPLES)
    ys, xs = ys[::stride], xs[::stride]
    gy, gx = _gradient_at(smooth, ys, xs)
    norm = np.maximum(np.hypot(gx, gy), 1e-6)
    out_x, out_y = -gx / norm, -gy / norm  # alpha falls outwards
    reach = EDGE_PROFILE_REACH_PX + spread_px
    t = np.arange(-reach, reach + _EDGE_STEP_PX / 2, _EDGE_STEP_PX)
    map_x = (xs[:, None] + t * out_x[:, None]).astype(np.float32)
    map_y = (ys[:, None] + t * out_y[:, None]).astype(np.float32)
    alpha_profile = _sample(alpha, map_x, map_y)
    # The edge runs from the last sample still solid to the first one clear of the piece. Solid is
    # the profile's own peak inside: a fine chain's wire, blurred to match a soft photo, never
    # turns opaque, yet its edges are as sharp as any.
    index = np.arange(t.size)
    centre = t.size // 2
    peak = np.where(index < centre, alpha_profile, 0.0).max(axis=1, keepdims=True)
    solid = (alpha_profile >= EDGE_SOLID_SHARE * peak) & (peak >= 0.5)
    shift = round(spread_px / _EDGE_STEP_PX)
    first = np.where(solid & (index < centre), index, shift - 1).max(axis=1) - shift
    last = np.where((alpha_profile <= 0.03) & (index > centre), index, t.size).min(axis=1) + shift
    clear = np.flatnonzero((first >= 0) & (last < t.size))
    if clear.size == 0:
        return None
    map_x, map_y = map_x[clear], map_y[clear]
    piece_share = _sample(image, map_x, map_y) - behind_at(map_x, map_y)
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


def _sample(image: FloatImage, map_x: Floats, map_y: Floats) -> Floats:
    """`image` bilinearly sampled at (map_x, map_y) (any 2-D shape of points); 0 off the image."""
    sampled = cv2.remap(
        image,
        map_x,
        map_y,
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0.0, 0.0, 0.0, 0.0),
    )
    return np.asarray(sampled, dtype=np.float32)


def _scale_error(extent_mm: float, placement: Placement, px_per_mm: float) -> Check:
    expected = placement.expected_extent_mm
    error = 100.0 * abs(extent_mm - expected) / expected
    # A thin part is measured to half a pixel, not better: no tier asks for more than that.
    resolution = 100.0 * SCALE_RESOLUTION_PX / max(expected * px_per_mm, 1e-6)
    measured = (
        f"{placement.extent_name} measures {extent_mm:.1f} mm on the render against "
        f"{expected:.1f} mm in the spec ({error:.1f}% off"
    )
    if resolution > RULES["scale_error_pct"].editorial:
        measured += f"; half a pixel is {resolution:.1f}% at this size"
    return _check("scale_error_pct", error, measured + ")", floor=resolution)


def _pixels_across(views: _Views, placement: Placement, extent: Extent) -> Check:
    if not placement.measures_chain:
        return _check(
            "pixels_across",
            extent.length_px,
            f"{placement.extent_name} spans {extent.length_px:.0f} px",
        )
    # A chain shows its detail along its length: its links. Length = area / mean width, the
    # area with its link openings filled.
    area = float(np.count_nonzero(views.whole > 0.5) + np.count_nonzero(views.openings))
    length = area / max(extent.mean_width_px, 1.0)
    return _check("pixels_across", length, f"the chain runs {length:.0f} px along its length")


def _enlargement(placement: Placement) -> Check:
    times = placement.enlargement
    return _check("enlargement", times, f"the piece is drawn at {times:.2f}x its photo's pixels")


def _halo(views: _Views, background_rgb: tuple[float, float, float]) -> Check:
    ring = _ring(views.distance_outside, views.hidden)
    if not np.any(ring):
        return _check("halo", 0.0, "no visible edge to look for a fringe at")
    # A proper edge mixes the piece and the scene, so it is not lighter than both of them. The
    # piece's side is its own colour nearby, weighted towards its most solid pixels (a mean, as a
    # maximum would pick up grain and specks).
    solid = views.whole > 0.5
    weight = np.zeros(views.whole.shape, np.float32)
    weight[solid] = views.coverage[solid] ** HALO_SOLID_POWER
    solid_y = luminance(srgb_to_linear(views.piece[solid]))
    weighted_y, weighted_l = np.zeros_like(weight), np.zeros_like(weight)
    weighted_y[solid] = solid_y * weight[solid]
    weighted_l[solid] = _lightness_of_y(solid_y) * weight[solid]
    window = (HALO_WINDOW_PX, HALO_WINDOW_PX)
    share = cv2.blur(weight, window)[ring]
    nearby = share > 1e-6
    near_l = np.zeros_like(share)
    near_l[nearby] = cv2.blur(weighted_l, window)[ring][nearby] / share[nearby]

    rendered_y = luminance(srgb_to_linear(views.render[ring]))
    scene_y = luminance(srgb_to_linear(views.scene[ring])) * (1.0 - views.shadow[ring])
    rendered = _lightness_of_y(rendered_y)
    excess = np.clip(rendered - np.maximum(_lightness_of_y(scene_y), near_l), 0.0, None)
    # In an opening (a link, a bail) the scene should show through. Old background the cut-out
    # left there semi-transparent is mixed with the skin, so it need not be lighter than both
    # sides; it shows as piece colour lighter than the metal around it and nearer the background.
    # (A stone's bright facets are lighter too, but more colourful than the metal: not counted.)
    in_opening = views.openings[ring] & nearby
    if np.any(in_opening):
        at = np.zeros_like(ring)
        at[ring] = in_opening
        at_share = share[in_opening]
        metal_y = cv2.blur(weighted_y, window)[at] / at_share
        metal_rgb = cv2.blur(views.piece * weight[..., None], window)[at] / at_share[:, None]
        here_rgb = views.piece[at]
        nearer = _nearer_background(here_rgb, metal_rgb, background_rgb)
        here_y = luminance(srgb_to_linear(here_rgb))
        leftover = views.coverage[at] * np.clip(here_y - metal_y, 0.0, None) * nearer
        clean = np.maximum(rendered_y[in_opening] - leftover, 0.0)
        lighter = rendered[in_opening] - _lightness_of_y(clean)
        excess[in_opening] = np.maximum(excess[in_opening], lighter)
    # Judged where the fringe is worst: a white link opening is not excused by a clean outline.
    judged_apart = int(np.count_nonzero(in_opening)) >= MIN_OPENING_RING_PX
    outline = float(excess[~in_opening].mean()) if judged_apart else float(excess.mean())
    openings = float(excess[in_opening].mean()) if judged_apart else 0.0
    worst = max(outline, openings)
    message = f"the ring just outside the piece is {worst:.1f} L* lighter than the piece and skin"
    if judged_apart:
        message += (
            f" (outer edge {outline:.1f}, inside its openings {openings:.1f}, which hold "
            f"{100.0 * float(in_opening.mean()):.0f}% of the ring)"
        )
    return _check("halo", worst, message)


def _nearer_background(
    rgb: Floats, metal_rgb: Floats, background_rgb: tuple[float, float, float]
) -> BoolMask:
    """Per pixel, whether its colour is nearer the old background than the metal around it is,
    both in lightness and in chroma."""
    background = rgb2lab(np.array([[background_rgb]], dtype=np.float64))[0, 0]
    here, metal = rgb2lab(rgb[None])[0], rgb2lab(metal_rgb[None])[0]
    background_chroma = math.hypot(background[1], background[2])

    def lightness_and_chroma_gap(lab: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        chroma = np.hypot(lab[:, 1], lab[:, 2])
        return np.abs(lab[:, 0] - background[0]), np.abs(chroma - background_chroma)

    here_l, here_c = lightness_and_chroma_gap(here)
    metal_l, metal_c = lightness_and_chroma_gap(metal)
    return np.asarray((here_l < metal_l) & (here_c <= metal_c), dtype=bool)


def _pendant_gap(views: _Views) -> Check:
    """How far the pendant (the placement's measure mask) hangs from its chain: 0 when its bail
    touches it. A pendant found without its bail is scaled to its height all the same, so only
    this shows it hanging in the air below the chain."""
    pendant = views.measure > 0.5
    chain = (views.whole > 0.5) & ~pendant
    if not pendant.any() or not chain.any():
        return _check("pendant_gap", math.nan, "no chain or no pendant to measure between")
    distance = cv2.distanceTransform((~chain).astype(np.uint8), cv2.DIST_L2, 5)
    gap_mm = max(float(distance[pendant].min()) - 1.0, 0.0) / views.px_per_mm
    return _check("pendant_gap", gap_mm, f"the pendant hangs {gap_mm:.1f} mm from its chain")


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


def _check(name: str, value: float, measured: str, floor: float = 0.0) -> Check:
    """Judge `value` by the rule's limits; `floor` raises a lower-is-better limit to what the
    measurement can resolve."""
    rule = RULES[name]
    limits = {tier: max(limit, floor) for tier, limit in rule.limits().items()}
    listing = limits[Tier.LISTING.value]
    passed = _within(value, listing, rule.higher_is_better)
    message = measured if passed else f"{measured}: {rule.failure_meaning}"
    return Check(
        name=name,
        value=value,
        threshold=listing,
        passed=passed,
        unit=rule.unit,
        higher_is_better=rule.higher_is_better,
        limits=limits,
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


def _lightness_of_y(y: Floats) -> Floats:
    """CIE L* of relative luminance Y."""
    f = np.where(y > _LAB_EPSILON, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29)
    return (116.0 * f - 16.0).astype(np.float32)


# --- a chain's width -----------------------------------------------------------------------------


def _chain_width(placement: Placement) -> Extent:
    """A chain's width on the canvas, measured like the placer measures it on the source photo.

    The measure mask is sampled on a grid turned to the chain: columns 1 px apart along it, rows a
    quarter pixel apart across it (measure_axis). In each column the chain runs between its outer
    alpha = 0.5 crossings, interpolated: a soft edge does not widen it. The chain curves, so each
    column's extent is shortened by the cosine of its tilt, read off a parabola through the
    columns' centres. The width is the widest links', CHAIN_WIDTH_PERCENTILE of the columns.
    """
    box = piece_box(placement.measure_mask, 1)
    crop = np.ascontiguousarray(placement.measure_mask[box.slices])
    ys, xs = np.nonzero(crop > 0.5)
    if xs.size == 0:
        centre = ((box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0)
        return Extent(centre, centre, 0.0, 0.0)
    ax, ay = unit(placement.measure_axis)  # across the chain
    tx, ty = -ay, ax  # along it
    cx, cy = float(xs.mean()), float(ys.mean())
    along = (xs - cx) * tx + (ys - cy) * ty
    across = (xs - cx) * ax + (ys - cy) * ay
    u = np.arange(math.floor(along.min()), math.ceil(along.max()) + 1, dtype=np.float64)
    step = CHAIN_PROFILE_STEP_PX
    v = np.arange(across.min() - 2.0, across.max() + 2.0 + step / 2, step)
    map_x = (cx + u[None, :] * tx + v[:, None] * ax).astype(np.float32)
    map_y = (cy + u[None, :] * ty + v[:, None] * ay).astype(np.float32)
    profiles = _sample(crop, map_x, map_y)  # rows: across the chain, columns: along it
    columns = np.flatnonzero((profiles >= 0.5).any(axis=0))
    if columns.size == 0:
        centre = (cx + box.left, cy + box.top)
        return Extent(centre, centre, 0.0, 0.0)
    top_rows, bottom_rows = chain_edges(profiles[:, columns])
    u = u[columns]
    top, bottom = v[0] + step * top_rows, v[0] + step * bottom_rows
    middle = (top + bottom) / 2.0
    degree = min(2, columns.size - 1)
    slope = np.polyval(np.polyder(np.polyfit(u, middle, degree)), u) if degree > 0 else 0.0 * u
    widths = (bottom - top) / np.sqrt(1.0 + slope**2)
    width = float(np.percentile(widths, CHAIN_WIDTH_PERCENTILE))
    # The end points: across the column whose width is nearest that percentile.
    j = int(np.argmin(np.abs(widths - width)))
    norm = math.sqrt(1.0 + float(slope[j]) ** 2)
    nx, ny = (ax - slope[j] * tx) / norm, (ay - slope[j] * ty) / norm
    mid_x = box.left + cx + u[j] * tx + middle[j] * ax
    mid_y = box.top + cy + u[j] * ty + middle[j] * ay
    half = width / 2.0
    return Extent(
        start=(float(mid_x - half * nx), float(mid_y - half * ny)),
        end=(float(mid_x + half * nx), float(mid_y + half * ny)),
        length_px=width,
        half_width_px=float(along.max() - along.min()) / 2.0 + 0.5,
        mean_width_px=float(widths.mean()),
    )
