"""Rings on a finger, bangles, bracelets and watches on a wrist: measured scale, shape and occlusion."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from imaging.cutout import Cutout
from imaging.errors import ImagingError
from imaging.geometry import Point, Vector, angle_between_deg, unit
from imaging.image_io import FloatImage
from imaging.jewelry import BodyRegion, JewelryType
from imaging.place import Placement, PoseJitter
from imaging.place.ellipse import fit_annulus, fit_disc
from imaging.place.ring import place_ring
from imaging.place.wrist import place_on_wrist
from imaging.product_spec import ProductSpec, with_typical_sizes
from imaging.template import Annotation, FingerAnchor, Template, WristAnchor

PX_PER_MM = 12.0
SOURCE_PX_PER_MM = 10.0  # the synthetic product photos' own resolution
SKIN = (0.86, 0.68, 0.56)
GOLD = np.array([0.86, 0.70, 0.32], np.float32)
BLUE = np.array([0.15, 0.30, 0.90], np.float32)
STONE_MM = (7.0, 5.0)  # the synthetic stone's width and height


# ---- synthetic product photos (cutouts) -------------------------------------------------------


def _coverage(signed_inside: FloatImage) -> FloatImage:
    """Anti-aliased alpha from a signed distance in pixels (positive inside)."""
    return np.clip(signed_inside + 0.5, 0.0, 1.0).astype(np.float32)


def _grid(height: int, width: int) -> tuple[FloatImage, FloatImage]:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def _cutout(rgb: FloatImage, alpha: FloatImage) -> Cutout:
    return Cutout(rgb=rgb.astype(np.float32), alpha=alpha, offset=(0, 0), background_rgb=(1, 1, 1))


def ring_cutout(inner_mm: float = 17.3, thickness_mm: float = 1.6, scale: float = 1.0) -> Cutout:
    """A face-on ring: a gold annulus with a blue oval stone standing on top."""
    ppm = SOURCE_PX_PER_MM * scale
    r_in, r_out = inner_mm / 2 * ppm, (inner_mm / 2 + thickness_mm) * ppm
    stone_a, stone_b = STONE_MM[0] / 2 * ppm, STONE_MM[1] / 2 * ppm
    size = int(2 * r_out + 4 * stone_b + 20)
    cx, cy = size / 2, size - r_out - 10
    xs, ys = _grid(size, size)
    rho = np.hypot(xs - cx, ys - cy)
    band = np.minimum(_coverage(r_out - rho), _coverage(rho - r_in))
    sx, sy = cx, cy - r_out - stone_b + 0.5
    stone = _coverage(stone_b * (1 - np.hypot((xs - sx) / stone_a, (ys - sy) / stone_b)))
    alpha = np.maximum(band, stone)
    shade = (0.8 + 0.2 * np.cos((rho - r_in) / (r_out - r_in) * math.pi))[..., None]
    rgb = np.where(stone[..., None] > 0, BLUE, GOLD * shade)
    return _cutout(rgb, alpha)


def bangle_cutout(inner_mm: float = 63.0, thickness_mm: float = 2.5) -> Cutout:
    """A face-on bangle: a plain annulus with a darker groove so its texture shows."""
    r_in, r_out = inner_mm / 2 * SOURCE_PX_PER_MM, (inner_mm / 2 + thickness_mm) * SOURCE_PX_PER_MM
    size = int(2 * r_out + 8)
    xs, ys = _grid(size, size)
    rho = np.hypot(xs - size / 2, ys - size / 2)
    alpha = np.minimum(_coverage(r_out - rho), _coverage(rho - r_in))
    groove = 1.0 - 0.3 * np.exp(-(((rho - (r_in + r_out) / 2) / 3.0) ** 2))
    return _cutout(GOLD * groove[..., None], alpha)


def chain_cutout(
    inner_length_mm: float = 177.8, link_mm: float = 3.0, clasp_mm: float = 0.0
) -> Cutout:
    """A chain bracelet laid as a circle: a loop of small overlapping round links, and a ring clasp
    `clasp_mm` across at the top (none at 0)."""
    ppm = SOURCE_PX_PER_MM
    loop_r = (inner_length_mm / math.pi + link_mm) / 2 * ppm
    link_r = link_mm / 2 * ppm
    size = int(2 * (loop_r + max(link_r, clasp_mm / 2 * ppm)) + 8)
    xs, ys = _grid(size, size)
    alpha = np.zeros((size, size), np.float32)
    links = int(2 * math.pi * loop_r / (1.4 * link_r))
    reach = int(link_r) + 2
    for k in range(links):
        a = 2 * math.pi * k / links
        x, y = size / 2 + loop_r * math.cos(a), size / 2 + loop_r * math.sin(a)
        window = np.s_[int(y) - reach : int(y) + reach, int(x) - reach : int(x) + reach]
        d = np.hypot(xs[window] - x, ys[window] - y)
        link = np.minimum(_coverage(link_r - d), _coverage(d - 0.45 * link_r))
        alpha[window] = np.maximum(alpha[window], link)
    if clasp_mm:
        d = np.hypot(xs - size / 2, ys - (size / 2 - loop_r))
        clasp_r = clasp_mm / 2 * ppm
        alpha = np.maximum(alpha, np.minimum(_coverage(clasp_r - d), _coverage(d - clasp_r / 2)))
    return _cutout(np.broadcast_to(GOLD, (size, size, 3)), alpha)


def watch_cutout(
    case_mm: float = 36.0, strap_mm: float = 18.0, strap_length_mm: float = 60.0
) -> Cutout:
    """A face-on watch: a round case with a white dial and a red 12 o'clock mark, straps up and down."""
    ppm = SOURCE_PX_PER_MM
    r = case_mm / 2 * ppm
    half_strap, length = strap_mm / 2 * ppm, strap_length_mm * ppm
    width, height = int(2 * r + 8), int(2 * (r + length) + 8)
    cx, cy = width / 2, height / 2
    xs, ys = _grid(height, width)
    rho = np.hypot(xs - cx, ys - cy)
    case = _coverage(r - rho)
    straps = np.minimum(
        _coverage(half_strap - np.abs(xs - cx)), _coverage(r + length - np.abs(ys - cy))
    )
    alpha = np.maximum(case, straps)
    mark = np.hypot(xs - cx, ys - (cy - 0.7 * r)) < 0.12 * r
    rgb = np.where((rho < 0.85 * r)[..., None], np.float32(0.95), GOLD)
    rgb = np.where(mark[..., None], np.array([0.9, 0.1, 0.1], np.float32), rgb)
    leather = (straps > 0) & (rho > r)
    rgb = np.where(leather[..., None], np.array([0.25, 0.18, 0.12], np.float32), rgb)
    return _cutout(rgb, alpha)


# ---- synthetic templates ----------------------------------------------------------------------


def _limb_mask(
    xs: FloatImage, ys: FloatImage, through: Point, axis: Vector, width_px: float
) -> FloatImage:
    across = (-axis[1], axis[0])
    p = (xs - through[0]) * across[0] + (ys - through[1]) * across[1]
    return _coverage(width_px / 2 - np.abs(p))


def _template(size: int, body: FloatImage, annotation: Annotation) -> Template:
    backdrop = np.float32(0.93) * (1 - body[..., None])
    canvas = backdrop + np.array(SKIN, np.float32) * body[..., None]
    return Template("synthetic", canvas.astype(np.float32), annotation, body_mask=body)


def _annotation(region: BodyRegion, **anchors: object) -> Annotation:
    return Annotation(
        region=region,
        px_per_mm=PX_PER_MM,
        scale_source="generated",
        light_direction=(0.6, 0.8),
        skin_lab=(70.0, 14.0, 18.0),
        **anchors,  # type: ignore[arg-type]
    )


def hand_template(size: int = 900, finger_mm: float = 17.0, axis_deg: float = -100.0) -> Template:
    """A finger as a band of skin, fingertip towards `axis_deg`, knuckle near the bottom."""
    axis = (math.cos(math.radians(axis_deg)), math.sin(math.radians(axis_deg)))
    knuckle = (size * 0.5, size * 0.78)
    joint = (knuckle[0] + 45 * PX_PER_MM * axis[0], knuckle[1] + 45 * PX_PER_MM * axis[1])
    xs, ys = _grid(size, size)
    body = _limb_mask(xs, ys, knuckle, axis, finger_mm * PX_PER_MM)
    finger = FingerAnchor(knuckle=knuckle, middle_joint=joint, width_px=finger_mm * PX_PER_MM)
    return _template(size, body, _annotation(BodyRegion.HAND, finger=finger))


def wrist_template(size: int = 1000, wrist_mm: float = 55.0, axis_deg: float = 20.0) -> Template:
    """A forearm as a band of skin across the picture, the hand towards `axis_deg`."""
    axis = (math.cos(math.radians(axis_deg)), math.sin(math.radians(axis_deg)))
    center = (size * 0.5, size * 0.5)
    xs, ys = _grid(size, size)
    body = _limb_mask(xs, ys, center, axis, wrist_mm * PX_PER_MM)
    wrist = WristAnchor(center=center, axis=axis, width_px=wrist_mm * PX_PER_MM)
    return _template(size, body, _annotation(BodyRegion.WRIST, wrist=wrist))


# ---- measurements -----------------------------------------------------------------------------


def extent_mm(mask: FloatImage, axis: Vector) -> float:
    """Length of the mask (alpha >= 0.5) projected on `axis`, in mm."""
    ys, xs = np.nonzero(mask >= 0.5)
    t = xs * axis[0] + ys * axis[1]
    return float(t.max() - t.min() + 1) / PX_PER_MM


def shape_axes(mask: FloatImage) -> tuple[float, Vector, Point]:
    """(major / minor axis ratio, major axis direction, centroid) from the mask's second moments."""
    ys, xs = np.nonzero(mask >= 0.5)
    centroid = (float(xs.mean()), float(ys.mean()))
    cov = np.cov(np.vstack([xs - centroid[0], ys - centroid[1]]))
    values, vectors = np.linalg.eigh(cov)
    major = (float(vectors[0, 1]), float(vectors[1, 1]))
    return math.sqrt(values[1] / values[0]), major, centroid


def frame(
    template: Template, point: Point, across: Vector, along: Vector
) -> tuple[FloatImage, FloatImage]:
    xs, ys = _grid(template.height, template.width)
    dx, dy = xs - point[0], ys - point[1]
    return dx * across[0] + dy * across[1], dx * along[0] + dy * along[1]


def value_at(image: FloatImage, point: Point) -> float:
    return float(image[round(point[1]), round(point[0])])


def stone_mask(placement: Placement) -> FloatImage:
    blue = placement.rgb[..., 2] > placement.rgb[..., 0]
    return ((placement.alpha >= 0.5) & blue).astype(np.float32)


def ring_spec() -> ProductSpec:
    return with_typical_sizes(ProductSpec(JewelryType.RING))


def finger_axes(template: Template) -> tuple[Vector, Vector]:
    finger = template.annotation.finger
    assert finger is not None
    along = unit(
        (finger.middle_joint[0] - finger.knuckle[0], finger.middle_joint[1] - finger.knuckle[1])
    )
    return (-along[1], along[0]), along


# ---- rings ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ring_placement() -> tuple[Template, Placement]:
    template = hand_template()
    return template, place_ring(ring_cutout(), ring_spec(), template, PoseJitter())


def test_ring_outer_width_is_true_to_scale(ring_placement: tuple[Template, Placement]) -> None:
    _, placement = ring_placement
    assert placement.extent_name == "ring outer width"
    assert placement.expected_extent_mm == pytest.approx(17.3 + 2 * 1.6)
    measured = extent_mm(placement.measure_mask, placement.measure_axis)
    assert measured == pytest.approx(placement.expected_extent_mm, rel=0.05)
    # The photo's 10 px per mm drawn at the template's 12.
    assert placement.enlargement == pytest.approx(PX_PER_MM / SOURCE_PX_PER_MM, rel=0.03)


def test_ring_band_lies_across_the_finger_between_knuckle_and_joint(
    ring_placement: tuple[Template, Placement],
) -> None:
    template, placement = ring_placement
    across, along = finger_axes(template)
    ratio, major, centroid = shape_axes(placement.measure_mask)
    assert ratio > 2.0  # a thin ellipse, not the face-on circle
    assert (
        min(angle_between_deg(major, across), angle_between_deg(major, (-across[0], -across[1])))
        < 2.0
    )
    finger = template.annotation.finger
    assert finger is not None
    _, t = frame(template, finger.knuckle, across, along)
    fraction = value_at(t, centroid) / (45 * PX_PER_MM)
    assert 0.3 < fraction < 0.55


def test_ring_stone_keeps_its_shape_and_size(ring_placement: tuple[Template, Placement]) -> None:
    template, placement = ring_placement
    stone = stone_mask(placement)
    ratio, _, _ = shape_axes(stone)
    source_ratio = STONE_MM[0] / STONE_MM[1]
    assert ratio == pytest.approx(source_ratio, rel=0.02)
    across, _ = finger_axes(template)
    assert extent_mm(stone, across) == pytest.approx(STONE_MM[0], rel=0.05)


def test_ring_back_arc_hidden_by_finger_front_arc_visible(
    ring_placement: tuple[Template, Placement],
) -> None:
    template, placement = ring_placement
    assert template.body_mask is not None
    across, along = finger_axes(template)
    p, q = frame(template, placement.anchor_points[2], across, along)
    half_band = 2.0 / 2 * PX_PER_MM
    back = (q < -half_band - 2) & (template.body_mask >= 1.0)
    assert placement.alpha_unoccluded[back].max() > 0.9  # the back arc is there ...
    assert placement.alpha[back].max() == 0.0  # ... and the finger hides it
    radius = (17.3 / 2 + 1.6) * PX_PER_MM
    for fraction in (-0.8, -0.5, 0.5, 0.8):  # the front arc, beside the stone
        x = fraction * radius
        y = radius * math.sqrt(1 - fraction**2) * 0.35
        point = np.unravel_index(np.argmin(np.hypot(p - x, q - y)), p.shape)
        assert placement.alpha[point] > 0.95
    assert placement.contact.max() > 0.9


def test_ring_jitter_slides_along_and_turns_around_the_finger() -> None:
    template = hand_template()
    across, along = finger_axes(template)
    base = place_ring(ring_cutout(), ring_spec(), template, PoseJitter())
    moved = place_ring(ring_cutout(), ring_spec(), template, PoseJitter(3.0, (0.0, 1.0)))
    _, _, c0 = shape_axes(base.measure_mask)
    _, _, c1 = shape_axes(moved.measure_mask)
    shift = ((c1[0] - c0[0]) * along[0] + (c1[1] - c0[1]) * along[1]) / PX_PER_MM
    assert shift == pytest.approx(1.0, abs=0.1)
    _, _, s0 = shape_axes(stone_mask(base))
    _, _, s1 = shape_axes(stone_mask(moved))
    sideways = ((s1[0] - s0[0]) * across[0] + (s1[1] - s0[1]) * across[1]) / PX_PER_MM
    assert sideways == pytest.approx((17.3 / 2 + 1.6) * math.sin(math.radians(3.0)), abs=0.1)


def test_ring_notes_a_finger_that_does_not_fit_the_ring() -> None:
    assert ring_placement_notes(finger_mm=17.0) == ()
    assert "finger is 12.0 mm wide" in ring_placement_notes(finger_mm=12.0)[0]


def ring_placement_notes(finger_mm: float) -> tuple[str, ...]:
    template = hand_template(finger_mm=finger_mm)
    return place_ring(ring_cutout(), ring_spec(), template, PoseJitter()).notes


def test_ring_from_a_large_photo_is_the_same_size() -> None:
    template = hand_template()
    placement = place_ring(ring_cutout(scale=4.0), ring_spec(), template, PoseJitter())
    measured = extent_mm(placement.measure_mask, placement.measure_axis)
    assert measured == pytest.approx(20.5, rel=0.05)
    # Against the photo, not the shrunk copy the band is drawn from.
    assert placement.enlargement == pytest.approx(PX_PER_MM / (4.0 * SOURCE_PX_PER_MM), rel=0.03)


def test_anchors_missing_raise_a_clear_value_error() -> None:
    wrist = wrist_template(size=300)
    with pytest.raises(ValueError, match="no ring finger annotation"):
        place_ring(ring_cutout(), ring_spec(), wrist, PoseJitter())
    hand = hand_template(size=300)
    with pytest.raises(ValueError, match="no wrist annotation"):
        place_on_wrist(
            watch_cutout(), with_typical_sizes(ProductSpec(JewelryType.WATCH)), hand, PoseJitter()
        )


def test_a_cutout_without_a_hole_is_refused() -> None:
    xs, ys = _grid(100, 100)
    with pytest.raises(ImagingError, match="no hole"):
        fit_annulus(_coverage(40.0 - np.hypot(xs - 50.0, ys - 50.0)))


# ---- wrist ------------------------------------------------------------------------------------


def wrist_axes(template: Template) -> tuple[Vector, Vector]:
    wrist = template.annotation.wrist
    assert wrist is not None
    return (-wrist.axis[1], wrist.axis[0]), wrist.axis


@pytest.mark.parametrize(
    ("kind", "cutout", "inner_mm", "thickness_mm"),
    [
        (JewelryType.BANGLE, bangle_cutout, 63.0, 2.5),
        (JewelryType.BRACELET, chain_cutout, 177.8 / math.pi, 3.0),
    ],
)
def test_bangle_and_bracelet_go_around_the_wrist(
    kind: JewelryType, cutout: Callable[[], Cutout], inner_mm: float, thickness_mm: float
) -> None:
    template = wrist_template(wrist_mm=55.0)
    placement = place_on_wrist(
        cutout(), with_typical_sizes(ProductSpec(kind)), template, PoseJitter()
    )
    outer_mm = inner_mm + 2 * thickness_mm
    assert placement.extent_name == "outer diameter"
    assert placement.expected_extent_mm == pytest.approx(outer_mm)
    measured = extent_mm(placement.measure_mask, placement.measure_axis)
    assert measured == pytest.approx(outer_mm, rel=0.05)
    assert placement.enlargement == pytest.approx(PX_PER_MM / SOURCE_PX_PER_MM, rel=0.03)
    across, along = wrist_axes(template)
    _, major, centroid = shape_axes(placement.alpha_unoccluded)
    reverse = (-across[0], -across[1])
    assert min(angle_between_deg(major, across), angle_between_deg(major, reverse)) < 2.0
    assert template.body_mask is not None and template.annotation.wrist is not None
    _, q = frame(template, template.annotation.wrist.center, across, along)
    # Looser than the wrist, it slides towards the hand until its far side rests on the wrist.
    hang_px = value_at(q, centroid)
    assert hang_px / PX_PER_MM == pytest.approx((inner_mm - 55.0) / 2, abs=0.3)
    back = (q < hang_px - 3 * PX_PER_MM) & (template.body_mask >= 1.0)
    assert placement.alpha_unoccluded[back].max() > 0.5
    assert placement.alpha[back].max() == 0.0


# A clasp stands out of the chain's line: sampled only 2 px beyond the band's fitted edges, it
# was cut to two halves with a gap between them in the middle of the front arc.
def test_a_bracelets_clasp_is_drawn_whole() -> None:
    template = wrist_template(wrist_mm=55.0)
    spec = with_typical_sizes(ProductSpec(JewelryType.BRACELET))
    plain, clasped = chain_cutout(), chain_cutout(clasp_mm=6.0)
    added_source = float(clasped.alpha.sum() - plain.alpha.sum())
    placed = [place_on_wrist(c, spec, template, PoseJitter()) for c in (plain, clasped)]
    added = float(placed[1].alpha.sum() - placed[0].alpha.sum())
    assert added == pytest.approx(added_source * placed[1].enlargement ** 2, rel=0.1)


@pytest.fixture(scope="module")
def watch_placement() -> tuple[Template, Placement]:
    template = wrist_template()
    spec = with_typical_sizes(ProductSpec(JewelryType.WATCH))
    return template, place_on_wrist(watch_cutout(), spec, template, PoseJitter())


def test_watch_dial_is_true_to_scale_and_undistorted(
    watch_placement: tuple[Template, Placement],
) -> None:
    template, placement = watch_placement
    assert placement.extent_name == "case diameter"
    assert extent_mm(placement.measure_mask, placement.measure_axis) == pytest.approx(
        36.0, rel=0.05
    )
    assert placement.enlargement == pytest.approx(PX_PER_MM / SOURCE_PX_PER_MM, rel=0.03)
    ratio, _, dial_center = shape_axes(placement.measure_mask)
    assert ratio == pytest.approx(1.0, abs=0.02)
    across, _ = wrist_axes(template)
    red = (placement.rgb[..., 0] > 0.6) & (placement.rgb[..., 1] < 0.3) & (placement.alpha > 0.5)
    ys, xs = np.nonzero(red)
    to_twelve = (float(xs.mean()) - dial_center[0], float(ys.mean()) - dial_center[1])
    assert angle_between_deg(to_twelve, (-across[0], -across[1])) < 2.0


def test_watch_case_is_found_where_the_cutout_cut_lines_into_its_dial() -> None:
    # A white dial on a white set loses thin lines along its hands to the cutout: the largest disc
    # left whole inside the piece was a strap's, and the strap was rendered as the case.
    cutout = watch_cutout()
    xs, ys = _grid(cutout.height, cutout.width)
    cx, cy, r = cutout.width / 2, cutout.height / 2, 18.0 * SOURCE_PX_PER_MM
    angle = np.arctan2(ys - cy, xs - cx)
    rho = np.hypot(xs - cx, ys - cy)
    hands = np.zeros(cutout.alpha.shape, bool)
    for direction in (0.3, 2.4, 4.4):
        off_line = np.abs(np.sin(angle - direction)) * rho
        hands |= (off_line < 1.0) & (np.cos(angle - direction) > 0) & (rho < 0.85 * r)
    (x, y), radius = fit_disc(np.where(hands, 0.0, cutout.alpha).astype(np.float32))
    assert math.hypot(x - cx, y - cy) < 2.0
    assert radius == pytest.approx(r, rel=0.02)


def test_watch_straps_wrap_around_the_wrist(watch_placement: tuple[Template, Placement]) -> None:
    template, placement = watch_placement
    wrist = template.annotation.wrist
    assert wrist is not None
    across, along = wrist_axes(template)
    p, _ = frame(template, wrist.center, across, along)
    assert placement.alpha[np.abs(p) > wrist.width_px / 2 + 1].max() == 0.0
    straps = (placement.alpha >= 0.5) & (placement.measure_mask < 0.5)
    assert extent_mm(straps.astype(np.float32), along) == pytest.approx(18.0, rel=0.05)
    # Flat, the straps would reach 18 + 60 mm from the centre; wrapped they end at the wrist's side.
    assert np.abs(p[straps]).max() / PX_PER_MM == pytest.approx(55.0 / 2, abs=0.5)
