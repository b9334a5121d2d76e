"""Necklace, pendant and earring placement on synthetic product cut-outs and templates.

The cut-outs are drawn here (a U of links with a pendant on a bail, a pair of studs, a pair of drops)
so every expected size is known; the placements are measured on the canvas, never trusted.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from imaging.cutout import Cutout, cut_out
from imaging.geometry import Point, Vector, rotate
from imaging.image_io import FloatImage, save_png
from imaging.jewelry import BodyRegion, JewelryType
from imaging.light import LightParams, light_and_composite
from imaging.place import Placement, PoseJitter, place
from imaging.place.earrings import place_earrings
from imaging.place.necklace import _chain_and_pendant, _ribbon, place_necklace
from imaging.product_spec import ProductSpec
from imaging.qa import evaluate_render, measure_extent
from imaging.samples.products import Metal, SampleKind, as_jpeg_upload, make_product_photo
from imaging.size_tables import chain_drop_below_notch_mm
from imaging.template import Annotation, EarAnchor, NeckAnchor, Template

PICTURES = Path(os.environ.get("ADORN_TEST_PICTURES", "/tmp/place_neck_ear"))
SKIN = (0.86, 0.68, 0.58)
GOLD = (0.86, 0.70, 0.32)
STONE = (0.15, 0.35, 0.75)

# The synthetic pendant necklace: a U of links, a ring bail at its bottom, an oval stone below it.
U_CENTRE_X, U_TOP_Y, U_HALF_WIDTH, U_DEPTH = 320.0, 30.0, 260.0, 420.0
BAIL_RADIUS, BAIL_THICKNESS = 10, 4
STONE_AXES = (30, 44)  # half width, half height
STONE_GAP = 6  # between the bail ring and the stone
LINK_PX = 8  # chain width in the product photo


# --- synthetic product photos --------------------------------------------------------------------


def _cutout(rgb: FloatImage, alpha: FloatImage) -> Cutout:
    return Cutout(rgb=rgb, alpha=alpha, offset=(0, 0), background_rgb=(1.0, 1.0, 1.0))


def _u_points(step: float) -> np.ndarray:
    theta = np.linspace(-math.pi / 2, math.pi / 2, 4000)
    dense = np.stack(
        [U_CENTRE_X + U_HALF_WIDTH * np.sin(theta), U_TOP_Y + U_DEPTH * np.cos(theta)], axis=1
    )
    arc = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
    at = np.arange(0, arc[-1], step)
    return np.stack([np.interp(at, arc, dense[:, 0]), np.interp(at, arc, dense[:, 1])], axis=1)


def _paint(
    rgb: np.ndarray, alpha: np.ndarray, colour: tuple[float, ...], layer: np.ndarray
) -> None:
    """Lay an 8-bit coverage layer (drawn with cv2, anti-aliased) over rgb/alpha in `colour`."""
    a = layer.astype(np.float32) / 255.0
    rgb[:] = rgb * (1 - a[..., None]) + np.asarray(colour, np.float32) * a[..., None]
    alpha[:] = np.maximum(alpha, a)


def chain_cutout(with_pendant: bool, link_px: int = LINK_PX) -> Cutout:
    """A chain of alternating flat and edge-on links laid as a U, optionally with a bail and stone."""
    height = int(U_TOP_Y + U_DEPTH + 2 * STONE_AXES[1] + 40)
    width = int(2 * U_CENTRE_X)
    rgb = np.ones((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    points = _u_points(step=1.4 * link_px)
    for i, (p, q) in enumerate(itertools.pairwise(points)):
        # cv2 draws with 4 fractional bits here: coordinates and axes in 1/16 px.
        centre = (round((p[0] + q[0]) * 8), round((p[1] + q[1]) * 8))
        angle = math.degrees(math.atan2(q[1] - p[1], q[0] - p[0]))
        layer = np.zeros((height, width), np.uint8)
        if i % 2 == 0:  # flat: an open ring
            axes = (link_px * 16, link_px * 8)
            cv2.ellipse(
                layer, centre, axes, angle, 0, 360, 255, max(link_px // 3, 1), cv2.LINE_AA, 4
            )
            _paint(rgb, alpha, GOLD, layer)
        else:  # edge-on: a narrow solid bar, a little darker
            axes = (link_px * 16, link_px * 8 // 3)
            cv2.ellipse(layer, centre, axes, angle, 0, 360, 255, -1, cv2.LINE_AA, 4)
            _paint(rgb, alpha, tuple(0.8 * c for c in GOLD), layer)
    if with_pendant:
        bottom = (int(U_CENTRE_X), int(U_TOP_Y + U_DEPTH))
        stone_centre = (bottom[0], bottom[1] + BAIL_RADIUS + STONE_GAP + STONE_AXES[1])
        gold = np.zeros((height, width), np.uint8)
        cv2.circle(gold, bottom, BAIL_RADIUS, 255, BAIL_THICKNESS, cv2.LINE_AA)
        cv2.rectangle(gold, (bottom[0] - 3, bottom[1]), (bottom[0] + 3, stone_centre[1]), 255, -1)
        cv2.ellipse(gold, stone_centre, STONE_AXES, 0, 0, 360, 255, -1, cv2.LINE_AA)
        _paint(rgb, alpha, GOLD, gold)
        stone = np.zeros((height, width), np.uint8)
        inner = (STONE_AXES[0] - 5, STONE_AXES[1] - 5)
        cv2.ellipse(stone, stone_centre, inner, 0, 0, 360, 255, -1, cv2.LINE_AA)
        _paint(rgb, alpha, STONE, stone)
    return _cutout(rgb, alpha)


def pendant_source_height_px() -> float:
    """Top of the bail ring to the bottom of the stone, in the synthetic photo."""
    bail_top = U_TOP_Y + U_DEPTH - BAIL_RADIUS - BAIL_THICKNESS / 2
    stone_bottom = U_TOP_Y + U_DEPTH + BAIL_RADIUS + STONE_GAP + 2 * STONE_AXES[1]
    return stone_bottom - bail_top


def earring_pair_cutout(drop: bool) -> Cutout:
    """Two upright earrings side by side: studs (bezel and stone) or drops (hook, stem, stone).

    Each has a small gold dot on its right so a mirrored copy can be told apart.
    """
    height, width = (260, 300) if drop else (120, 260)
    rgb = np.ones((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    for x in (width // 4, 3 * width // 4):
        gold = np.zeros((height, width), np.uint8)
        stone = np.zeros((height, width), np.uint8)
        if drop:
            top = 20
            cv2.ellipse(gold, (x - 12, top + 14), (12, 14), 0, 180, 360, 255, 3, cv2.LINE_AA)
            cv2.line(gold, (x, top + 12), (x, top + 110), 255, 3)
            cv2.circle(gold, (x + 34, top + 160), 6, 255, -1)
            cv2.ellipse(stone, (x, top + 160), (26, 50), 0, 0, 360, 255, -1, cv2.LINE_AA)
            _paint(rgb, alpha, GOLD, gold)
            _paint(rgb, alpha, STONE, stone)
        else:
            y = height // 2
            cv2.circle(gold, (x, y), 40, 255, -1)
            cv2.circle(stone, (x, y), 32, 255, -1)
            _paint(rgb, alpha, GOLD, gold)
            _paint(rgb, alpha, STONE, stone)
            dot = np.zeros((height, width), np.uint8)
            cv2.circle(dot, (x + 20, y), 5, 255, -1)
            _paint(rgb, alpha, GOLD, dot)
    return _cutout(rgb, alpha)


# --- synthetic templates -------------------------------------------------------------------------


def neck_template(px_per_mm: float = 6.0, down_deg: float = 0.0, size: int = 1100) -> Template:
    """A skin-coloured canvas with a neck anchor: sides 110 mm apart, notch 8 mm below them."""
    down = rotate((0.0, 1.0), down_deg)
    across = (down[1], -down[0])
    notch = (size / 2, size * 0.3)

    def at(a_mm: float, d_mm: float) -> Point:
        return (
            notch[0] + (a_mm * across[0] + d_mm * down[0]) * px_per_mm,
            notch[1] + (a_mm * across[1] + d_mm * down[1]) * px_per_mm,
        )

    rgb = np.empty((size, size, 3), np.float32)
    rgb[:] = SKIN
    annotation = Annotation(
        region=BodyRegion.NECK,
        px_per_mm=px_per_mm,
        scale_source="generated",
        light_direction=(0.0, 1.0),
        skin_lab=(70.0, 12.0, 18.0),
        neck=NeckAnchor(left=at(-55, -8), right=at(55, -8), notch=notch, down=down),
        source="generated",
    )
    return Template(name="synthetic-neck", rgb=rgb, annotation=annotation)


def ear_template(
    px_per_mm: float = 8.0, with_hair: bool = False, with_ears: bool = False
) -> Template:
    """Two lobes (image-left ear not facing right, image-right ear facing right), optional hair,
    optional ears (a disc 12 mm across above each lobe as the body mask)."""
    rgb = np.empty((700, 900, 3), np.float32)
    rgb[:] = SKIN
    lobes = ((250.0, 250.0), (650.0, 250.0))
    body = None
    if with_ears:
        body = np.zeros((700, 900), np.float32)
        for x, y in lobes:
            cv2.circle(body, (round(x), round(y - 4 * px_per_mm)), round(6 * px_per_mm), 1.0, -1)
    hair = None
    if with_hair:
        hair = np.zeros((700, 900), np.float32)
        hair[:, 650:] = 1.0  # hair falls over the right half of the image-right earring
        rgb[:, 650:] = (0.25, 0.15, 0.08)
    annotation = Annotation(
        region=BodyRegion.EAR,
        px_per_mm=px_per_mm,
        scale_source="generated",
        light_direction=(0.0, 1.0),
        skin_lab=(70.0, 12.0, 18.0),
        ears=EarAnchor(lobes=lobes, down=(0.0, 1.0), facing_right=(False, True)),
        source="generated",
    )
    return Template(
        name="synthetic-ears", rgb=rgb, annotation=annotation, body_mask=body, hair_mask=hair
    )


# --- measuring -----------------------------------------------------------------------------------


def extent_mm(mask: FloatImage, axis: Vector, px_per_mm: float) -> float:
    """Extent of mask > 0.5 projected on `axis`, in mm (one pixel added for the pixels' own size)."""
    ys, xs = np.nonzero(mask > 0.5)
    along = xs * axis[0] + ys * axis[1]
    return float(along.max() - along.min() + 1) / px_per_mm


def principal_angle_deg(mask: np.ndarray) -> float:
    """Screen angle of a blob's long axis, in degrees (90 = vertical)."""
    moments = cv2.moments(mask.astype(np.float32))
    angle = 0.5 * math.atan2(2 * moments["mu11"], moments["mu20"] - moments["mu02"])
    return math.degrees(angle) % 180.0


def save_picture(name: str, template: Template, placement: Placement) -> None:
    """The placement alpha-blended over the template, for looking at."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    a = placement.alpha[..., None]
    save_png(
        PICTURES / f"{name}.png", (template.rgb * (1 - a) + placement.rgb * a).astype(np.float32)
    )


def pendant_spec(height_mm: float = 20.0, length_in: float = 18.0) -> ProductSpec:
    return ProductSpec(
        jewelry_type=JewelryType.PENDANT,
        chain_length_mm=length_in * 25.4,
        chain_width_mm=1.5,
        pendant_height_mm=height_mm,
    )


def chain_spec(length_in: float = 18.0, width_mm: float = 2.5) -> ProductSpec:
    return ProductSpec(
        jewelry_type=JewelryType.NECKLACE, chain_length_mm=length_in * 25.4, chain_width_mm=width_mm
    )


@pytest.fixture(scope="module")
def pendant_cutout() -> Cutout:
    return chain_cutout(with_pendant=True)


@pytest.fixture(scope="module")
def plain_cutout() -> Cutout:
    return chain_cutout(with_pendant=False)


# --- necklace and pendant ------------------------------------------------------------------------


@pytest.mark.parametrize("down_deg", [0.0, 8.0])
def test_pendant_height_matches_spec(pendant_cutout: Cutout, down_deg: float) -> None:
    template = neck_template(down_deg=down_deg)
    placement = place_necklace(pendant_cutout, pendant_spec(20.0), template, PoseJitter())
    save_picture(f"pendant_down{down_deg:.0f}", template, placement)
    measured = extent_mm(placement.measure_mask, placement.measure_axis, 6.0)
    assert placement.extent_name == "pendant height"
    assert measured == pytest.approx(20.0, rel=0.05)


def _stone_only(mask: FloatImage, axis: Vector) -> np.ndarray:
    """The lower 65 % of a placed pendant along `axis`: the stone without bail or chain ends."""
    ys, xs = np.nonzero(mask > 0.5)
    along = xs * axis[0] + ys * axis[1]
    grid_y, grid_x = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    cut = along.min() + 0.35 * np.ptp(along)
    return (mask > 0.5) & (grid_x * axis[0] + grid_y * axis[1] > cut)


# A stone's light facets and the lit seam around its bezel leave holes that split a pale pendant:
# the pendant was found as the two thirds of its disc an opening of three chain widths kept, its
# bail missed, and so it was drawn 45 % too large, hanging clear of the chain.
def test_a_pendant_with_holes_in_its_matte_is_found_whole() -> None:
    photo = make_product_photo(SampleKind.PENDANT_NECKLACE, Metal.WHITE_GOLD, "white", 1600, seed=0)
    _, _, pendant = _chain_and_pendant(cut_out(as_jpeg_upload(photo.rgb)))
    assert pendant is not None and photo.spec.pendant_height_mm is not None
    height_mm = (pendant.bottom_y - pendant.top_y) * photo.mm_per_px
    assert height_mm == pytest.approx(photo.spec.pendant_height_mm, rel=0.05)


# A pendant found without its bail is scaled to its height all the same: only the gap between it
# and its chain shows it hanging in the air, and QA measures that gap.
def test_a_pendant_hanging_apart_from_its_chain_fails_qa(
    pendant_cutout: Cutout, plain_cutout: Cutout
) -> None:
    template = neck_template()
    placement = place_necklace(pendant_cutout, pendant_spec(), template, PoseJitter())
    assert placement.measures_pendant
    # The same chain without a pendant, and the pendant 4 mm lower than its bail would hold it.
    chain = place_necklace(plain_cutout, chain_spec(width_mm=1.5), template, PoseJitter())
    drop_px = round(4.0 * 6.0)  # at the template's 6 px per mm
    pendant = np.roll(placement.measure_mask, drop_px, axis=0)
    apart = np.maximum(chain.alpha, pendant)
    rgb = np.where((pendant > 0.5)[..., None], np.roll(placement.rgb, drop_px, axis=0), chain.rgb)
    detached = dataclasses.replace(
        placement,
        rgb=rgb.astype(np.float32),
        alpha=apart,
        alpha_unoccluded=apart,
        contact=apart,
        measure_mask=pendant,
    )
    gaps = []
    for shown in (placement, detached):
        composite = light_and_composite(template, shown, LightParams())
        report = evaluate_render(pendant_cutout, composite, shown, template, pendant_spec())
        gaps.append({check.name: check for check in report.checks}["pendant_gap"])
    attached, hanging = gaps
    assert attached.passed and attached.value == 0.0
    assert not hanging.passed and "apart from its chain" in hanging.message


def test_pendant_keeps_its_aspect_ratio(pendant_cutout: Cutout) -> None:
    placement = place_necklace(pendant_cutout, pendant_spec(20.0), neck_template(), PoseJitter())
    stone = _stone_only(placement.measure_mask, placement.measure_axis).astype(np.float32)
    ratio = extent_mm(stone, (1.0, 0.0), 1) / extent_mm(stone, (0.0, 1.0), 1)
    bail_top = U_TOP_Y + U_DEPTH - BAIL_RADIUS - BAIL_THICKNESS / 2
    rows = np.arange(pendant_cutout.height)[:, None]
    src_stone = pendant_cutout.alpha * (rows > bail_top + 0.35 * pendant_source_height_px())
    src_ratio = extent_mm(src_stone, (1.0, 0.0), 1) / extent_mm(src_stone, (0.0, 1.0), 1)
    assert ratio == pytest.approx(src_ratio, rel=0.02)


@pytest.mark.parametrize(("down_deg", "jitter_deg"), [(0.0, 0.0), (10.0, 0.0), (0.0, 3.0)])
def test_pendant_hangs_plumb(pendant_cutout: Cutout, down_deg: float, jitter_deg: float) -> None:
    template = neck_template(down_deg=down_deg)
    jitter = PoseJitter(rotation_deg=jitter_deg)
    placement = place_necklace(pendant_cutout, pendant_spec(), template, jitter)
    # The stone is cut square to the body's vertical, so a turned stone would show in its moments.
    neck = template.annotation.neck
    assert neck is not None
    stone = _stone_only(placement.measure_mask, neck.down)
    assert principal_angle_deg(stone) == pytest.approx(90.0 + down_deg + jitter_deg, abs=1.0)


@pytest.mark.parametrize("length_in", [16.0, 18.0, 20.0, 24.0])
def test_chain_lowest_point_at_table_drop(plain_cutout: Cutout, length_in: float) -> None:
    template = neck_template(px_per_mm=5.0, size=1400)
    neck = template.annotation.neck
    assert neck is not None
    spec = chain_spec(length_in)
    placement = place_necklace(plain_cutout, spec, template, PoseJitter())
    save_picture(f"chain_{length_in:.0f}in", template, placement)
    ys, xs = np.nonzero(placement.alpha > 0.5)
    depth_mm = ((ys - neck.notch[1]) * neck.down[1] + (xs - neck.notch[0]) * neck.down[0]) / 5.0
    centre_line_mm = depth_mm.max() - spec.get("chain_width_mm") / 2
    expected = chain_drop_below_notch_mm(spec.get("chain_length_mm"))
    # 5 % of the drop, but never tighter than a millimetre for the choker whose drop is 0.
    assert abs(centre_line_mm - expected) <= max(0.05 * abs(expected), 1.0)


def test_chain_ends_at_the_neck_sides(plain_cutout: Cutout) -> None:
    template = neck_template()
    neck = template.annotation.neck
    assert neck is not None
    placement = place_necklace(plain_cutout, chain_spec(), template, PoseJitter())
    ys, xs = np.nonzero(placement.alpha > 0.05)
    for side in (neck.left, neck.right):
        nearest_mm = np.hypot(xs - side[0], ys - side[1]).min() / 6.0
        assert nearest_mm < 1.5
    assert xs.min() >= neck.left[0] - 2.5 * 6 and xs.max() <= neck.right[0] + 2.5 * 6
    # Faded where it goes behind the neck, opaque at the front.
    near_left = np.hypot(xs - neck.left[0], ys - neck.left[1]) < 6
    assert placement.alpha[ys[near_left], xs[near_left]].max() < 0.6
    assert placement.alpha.max() > 0.95


def test_plain_chain_width_matches_spec(plain_cutout: Cutout) -> None:
    # 12 px/mm: at 6 one pixel alone would be 7 % of a 2.5 mm chain.
    template = neck_template(px_per_mm=12.0, size=1600)
    placement = place_necklace(plain_cutout, chain_spec(width_mm=2.5), template, PoseJitter())
    assert placement.extent_name == "chain width" and placement.measures_chain
    measured = extent_mm(placement.measure_mask, placement.measure_axis, 12.0)
    assert measured == pytest.approx(2.5, rel=0.05)
    # The photo's chain, about 11 px wide, drawn 30 px wide; on a template of half the scale, half.
    assert 2.4 < placement.enlargement < 2.8
    smaller = neck_template(px_per_mm=6.0, size=1600)
    half = place_necklace(plain_cutout, chain_spec(width_mm=2.5), smaller, PoseJitter())
    assert half.enlargement == pytest.approx(placement.enlargement / 2, rel=0.01)


@pytest.mark.parametrize("px_per_mm", [6.0, 12.0])
def test_qa_reads_a_placed_chain_at_its_spec_width(plain_cutout: Cutout, px_per_mm: float) -> None:
    # QA measures across the chain's own centre line, as the placer measures the source photo.
    template = neck_template(px_per_mm=px_per_mm, size=int(1600 * px_per_mm / 12))
    jitter = PoseJitter(rotation_deg=4.0, shift_mm=(3.0, 2.0))
    placement = place_necklace(plain_cutout, chain_spec(width_mm=2.5), template, jitter)
    measured = measure_extent(placement).length_px / px_per_mm
    assert measured == pytest.approx(2.5, rel=0.04)
    pendant = place_necklace(
        chain_cutout(with_pendant=True), pendant_spec(20.0), template, PoseJitter()
    )
    assert not pendant.measures_chain  # a pendant is rigid: measured end to end


def test_a_chain_broken_in_its_cutout_is_laid_whole(plain_cutout: Cutout) -> None:
    # A cutout can lose links seen edge-on; the chain's path must bridge the breaks, or half the
    # necklace is drawn from the few pixels at the end of the half it found.
    alpha = plain_cutout.alpha.copy()
    points = _u_points(step=1.0)
    ys, xs = np.mgrid[0 : alpha.shape[0], 0 : alpha.shape[1]]
    for at in (0.3, 0.5, 0.75):  # the middle one at the U's lowest point
        x, y = points[int(at * (len(points) - 1))]
        alpha[np.hypot(xs - x, ys - y) < 1.5 * LINK_PX] = 0.0
    broken = _cutout(plain_cutout.rgb, alpha)
    template = neck_template()
    notch_x = template.annotation.neck.notch[0] if template.annotation.neck else 0.0

    def halves(placed: FloatImage) -> tuple[float, float]:
        return float(placed[:, : int(notch_x)].sum()), float(placed[:, int(notch_x) :].sum())

    whole_left, whole_right = halves(
        place_necklace(plain_cutout, chain_spec(), template, PoseJitter()).alpha
    )
    placed = place_necklace(broken, chain_spec(), template, PoseJitter()).alpha
    left, right = halves(placed)
    assert left == pytest.approx(whole_left, rel=0.15)
    assert right == pytest.approx(whole_right, rel=0.15)
    # The lost stretches are left out, not drawn as gaps: the chain is one piece on the neck.
    assert cv2.connectedComponents((placed > 0.2).astype(np.uint8))[0] - 1 == 1


def test_the_ribbon_holds_the_whole_chain_when_the_width_estimate_is_short() -> None:
    # The estimate comes from the mask at analysis size, where a large photo's fine wires fall
    # under the threshold: at 4000 px it read a quarter of the chain's width.
    cutout = chain_cutout(with_pendant=False, link_px=16)
    path, estimate, pendant = _chain_and_pendant(cutout)
    _, measured = _ribbon(cutout, path, estimate, pendant)
    ribbon, short = _ribbon(cutout, path, estimate / 4, pendant)
    assert short == pytest.approx(measured, rel=0.02)
    assert ribbon.premultiplied.shape[0] >= 2 * measured


def test_chain_keeps_its_own_colours(plain_cutout: Cutout) -> None:
    placement = place_necklace(plain_cutout, chain_spec(), neck_template(), PoseJitter())

    def mean_colour(rgb: FloatImage, alpha: FloatImage) -> np.ndarray:
        return (rgb * alpha[..., None]).sum(axis=(0, 1)) / alpha.sum()

    source = mean_colour(plain_cutout.rgb, plain_cutout.alpha)
    placed = mean_colour(placement.rgb, placement.alpha)
    assert np.abs(placed - source).max() < 0.02


def test_shift_jitter_moves_the_piece(pendant_cutout: Cutout) -> None:
    template = neck_template()
    still = place_necklace(pendant_cutout, pendant_spec(), template, PoseJitter())
    moved = place_necklace(
        pendant_cutout, pendant_spec(), template, PoseJitter(shift_mm=(1.5, 1.0))
    )

    def centroid(mask: FloatImage) -> np.ndarray:
        ys, xs = np.nonzero(mask > 0.5)
        return np.array([xs.mean(), ys.mean()])

    delta = centroid(moved.measure_mask) - centroid(still.measure_mask)
    assert delta == pytest.approx([1.5 * 6.0, 1.0 * 6.0], abs=1.0)


def test_pendant_contact_is_strongest_at_its_top(pendant_cutout: Cutout) -> None:
    placement = place_necklace(pendant_cutout, pendant_spec(), neck_template(), PoseJitter())
    ys, xs = np.nonzero(placement.measure_mask > 0.99)
    top, bottom = ys == ys.min() + 2, ys == ys.max() - 2
    assert (
        placement.contact[ys[top], xs[top]].mean()
        > placement.contact[ys[bottom], xs[bottom]].mean()
    )


def test_necklace_needs_a_neck_anchor(pendant_cutout: Cutout) -> None:
    template = ear_template()
    with pytest.raises(ValueError, match="no neck anchor"):
        place(pendant_cutout, pendant_spec(), template)


# --- earrings ------------------------------------------------------------------------------------


def drop_spec(length_mm: float = 30.0) -> ProductSpec:
    return ProductSpec(jewelry_type=JewelryType.EARRINGS, drop_length_mm=length_mm)


def stud_spec(diameter_mm: float = 6.0) -> ProductSpec:
    return ProductSpec(jewelry_type=JewelryType.EARRINGS, stud_diameter_mm=diameter_mm)


def _components(alpha: FloatImage) -> list[tuple[np.ndarray, ...]]:
    """Pixels (ys, xs) of each placed earring, left to right."""
    joined = cv2.dilate((alpha > 0.5).astype(np.uint8), np.ones((15, 15), np.uint8))
    count, labels = cv2.connectedComponents(joined)
    parts = [np.nonzero((labels == i) & (alpha > 0.5)) for i in range(1, count)]
    return sorted(parts, key=lambda p: p[1].mean())


def test_studs_centred_on_lobes_at_spec_diameter() -> None:
    template = ear_template()
    placement = place_earrings(
        earring_pair_cutout(drop=False), stud_spec(6.0), template, PoseJitter()
    )
    save_picture("studs", template, placement)
    assert extent_mm(placement.measure_mask, placement.measure_axis, 8.0) == pytest.approx(
        6.0, rel=0.05
    )
    ears = template.annotation.ears
    assert ears is not None
    parts = _components(placement.alpha)
    assert len(parts) == 2
    for (ys, xs), lobe in zip(parts, ears.lobes, strict=True):
        centre = ((xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2)
        assert math.dist(centre, lobe) / 8.0 < 0.3


def test_drops_hang_from_lobes_at_spec_length() -> None:
    template = ear_template()
    placement = place_earrings(
        earring_pair_cutout(drop=True), drop_spec(30.0), template, PoseJitter()
    )
    save_picture("drops", template, placement)
    measured = extent_mm(placement.measure_mask, placement.measure_axis, 8.0)
    assert measured == pytest.approx(30.0, rel=0.05)
    ears = template.annotation.ears
    assert ears is not None
    for (ys, xs), lobe in zip(_components(placement.alpha), ears.lobes, strict=True):
        hook_top = (xs[ys == ys.min()].mean(), ys.min())
        assert math.dist(hook_top, lobe) / 8.0 < 0.5  # the hook's top at the lobe
        assert ys.max() > lobe[1] + 25 * 8.0  # and the drop hangs below it


# Worn, a drop turns on the piercing until its centre of mass hangs plumb below it: the synthetic
# drop's stone sits 12 px beside its hook's top in the photo and hung that far beside the lobe.
def test_a_drop_hangs_with_its_weight_plumb_below_the_lobe() -> None:
    template = ear_template()
    placement = place_earrings(
        earring_pair_cutout(drop=True), drop_spec(30.0), template, PoseJitter()
    )
    ears = template.annotation.ears
    assert ears is not None
    for (ys, xs), lobe in zip(_components(placement.alpha), ears.lobes, strict=True):
        weights = placement.alpha[ys, xs]
        assert float(np.average(xs, weights=weights)) == pytest.approx(lobe[0], abs=1.5)


def test_earring_pair_is_mirrored() -> None:
    template = ear_template()
    placement = place_earrings(earring_pair_cutout(drop=True), drop_spec(), template, PoseJitter())
    ears = template.annotation.ears
    assert ears is not None
    crops = []
    for lobe in ears.lobes:
        x, y = round(lobe[0]), round(lobe[1])
        crops.append(placement.alpha[y - 10 : y + 260, x - 120 : x + 121])
    left, right = crops
    assert np.abs(left - right[:, ::-1]).mean() < 0.01
    assert np.abs(left - right).mean() > 0.02  # the piece is not symmetric, so this is a real flip


def test_hair_occludes_earring() -> None:
    template = ear_template(with_hair=True)
    placement = place_earrings(earring_pair_cutout(drop=True), drop_spec(), template, PoseJitter())
    save_picture("drops_hair", template, placement)
    hair = template.hair_mask
    assert hair is not None
    under_hair = (hair > 0.5) & (placement.alpha_unoccluded > 0.5)
    assert under_hair.any()
    assert placement.alpha[under_hair].max() < 1e-6
    clear = (hair < 0.5) & (placement.alpha_unoccluded > 0.5)
    assert np.allclose(placement.alpha[clear], placement.alpha_unoccluded[clear])
    assert placement.contact[hair > 0.5].max() < 1e-6


# A fish hook goes through the lobe at the top of its arc: the leg carrying the drop hangs in
# front of the ear, the other behind it. Drawn whole, the hook lay on the lobe like a sticker.
def test_a_hooks_back_leg_passes_behind_the_ear() -> None:
    template = ear_template(with_ears=True)
    placement = place_earrings(earring_pair_cutout(drop=True), drop_spec(), template, PoseJitter())
    save_picture("drops_behind_the_ear", template, placement)
    ears, body = template.annotation.ears, template.body_mask
    assert ears is not None and body is not None
    hidden = placement.alpha_unoccluded - placement.alpha > 0.5
    assert not hidden[body < 0.5].any()  # only the ear hides it
    columns = np.arange(hidden.shape[1])[None, :]
    for lobe, facing_right in zip(ears.lobes, ears.facing_right, strict=True):
        # The synthetic hook's back leg is on the left of its top; mirrored on a right-facing ear.
        beyond = (columns - lobe[0]) * (1 if facing_right else -1)
        near = np.zeros_like(hidden)
        near[:, round(lobe[0]) - 150 : round(lobe[0]) + 150] = True
        assert np.count_nonzero(hidden & near) > 30
        assert not (hidden & near & (beyond < 0)).any()
        front = near & (beyond < -2)  # clear of where the wire enters the lobe
        np.testing.assert_array_equal(placement.alpha[front], placement.alpha_unoccluded[front])


def test_drop_contact_is_at_the_lobe() -> None:
    template = ear_template()
    placement = place_earrings(earring_pair_cutout(drop=True), drop_spec(), template, PoseJitter())
    lobe = template.annotation.ears.lobes[0]  # type: ignore[union-attr]
    x, y = round(lobe[0]), round(lobe[1])
    near = placement.contact[y - 8 : y + 9, x - 8 : x + 9].max()
    hanging = placement.contact[y + 150 : y + 230, x - 40 : x + 41].max()
    assert near > 0.5 and hanging < 0.3


def test_earrings_need_an_ear_anchor() -> None:
    with pytest.raises(ValueError, match="no ear anchor"):
        place(earring_pair_cutout(drop=False), stud_spec(), neck_template())
