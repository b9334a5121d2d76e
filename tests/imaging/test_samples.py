"""The sample generators: product photos and model templates whose ground truth must hold."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from imaging.jewelry import BodyRegion
from imaging.samples.models import FRAME_WIDTH_MM, make_template, write_sample_library
from imaging.samples.products import (
    JEWELRY_TYPE_OF_KIND,
    Metal,
    ProductPhoto,
    SampleKind,
    make_product_photo,
)
from imaging.template import Template


def _width_px(alpha: np.ndarray) -> float:
    """Horizontal extent in pixels, with partial edge pixels counted by their coverage."""
    return float(alpha.max(axis=0).sum())


def _height_px(alpha: np.ndarray) -> float:
    return float(alpha.max(axis=1).sum())


@pytest.mark.parametrize("kind", list(SampleKind))
def test_every_kind_renders_with_consistent_truth(kind: SampleKind) -> None:
    photo = make_product_photo(kind, Metal.YELLOW_GOLD, long_edge_px=600, seed=2)
    alpha = photo.true_alpha
    assert photo.rgb.shape[:2] == alpha.shape == photo.true_rgb.shape[:2]
    assert max(photo.rgb.shape[:2]) == 600
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert photo.spec.jewelry_type == JEWELRY_TYPE_OF_KIND[kind]
    assert photo.title and photo.description
    # The photo is the clean piece where it fully covers a pixel (up to sensor noise) ...
    solid = alpha > 0.999
    assert np.abs(photo.rgb[solid] - photo.true_rgb[solid]).max() < 0.03
    # ... and there is no piece colour where there is no piece.
    assert not photo.true_rgb[alpha == 0].any()
    ys, xs = np.nonzero(alpha > 0.5)
    box_fill = (np.ptp(xs) + 1) * (np.ptp(ys) + 1) / alpha.size
    assert 0.15 <= box_fill <= 0.65, box_fill


def test_ring_band_is_as_wide_as_its_spec() -> None:
    photo = make_product_photo(SampleKind.RING, Metal.ROSE_GOLD, long_edge_px=1200, seed=4)
    spec = photo.spec
    assert spec.inner_diameter_mm is not None and spec.band_thickness_mm is not None
    assert 15.0 <= spec.inner_diameter_mm <= 20.0
    outer_mm = spec.inner_diameter_mm + 2 * spec.band_thickness_mm
    assert abs(_width_px(photo.true_alpha) - outer_mm / photo.mm_per_px) <= 2.0


def test_bangle_outer_and_inner_diameters_match_the_spec() -> None:
    photo = make_product_photo(SampleKind.BANGLE, Metal.SILVER, long_edge_px=1200, seed=1)
    spec, alpha = photo.spec, photo.true_alpha
    assert spec.inner_diameter_mm is not None and spec.band_thickness_mm is not None
    outer_px = (spec.inner_diameter_mm + 2 * spec.band_thickness_mm) / photo.mm_per_px
    assert abs(_width_px(alpha) - outer_px) <= 2.0
    rows = np.nonzero(alpha.max(axis=1) > 0.5)[0]
    centre_row = alpha[(rows[0] + rows[-1]) // 2]
    covered = np.nonzero(centre_row > 0)[0]
    span = centre_row[covered[0] : covered[-1] + 1]
    hole_px = float((1.0 - span).sum())  # the uncovered part between the band's two crossings
    assert abs(hole_px - spec.inner_diameter_mm / photo.mm_per_px) <= 2.0


def test_studs_are_a_pair_of_the_stated_diameter() -> None:
    photo = make_product_photo(SampleKind.STUD_EARRINGS, Metal.WHITE_GOLD, long_edge_px=800)
    labels, count = ndimage.label(photo.true_alpha > 0.01)
    assert count == 2
    assert photo.spec.stud_diameter_mm is not None
    for index in (1, 2):
        stud = np.where(labels == index, photo.true_alpha, 0.0)
        assert abs(_width_px(stud) - photo.spec.stud_diameter_mm / photo.mm_per_px) <= 2.0


def test_drop_earrings_hang_their_stated_length() -> None:
    photo = make_product_photo(SampleKind.DROP_EARRINGS, Metal.ROSE_GOLD, long_edge_px=800, seed=5)
    assert photo.spec.drop_length_mm is not None
    assert abs(_height_px(photo.true_alpha) - photo.spec.drop_length_mm / photo.mm_per_px) <= 2.0
    _, count = ndimage.label(photo.true_alpha > 0.01)
    assert count == 2


def test_watch_straps_are_as_wide_as_the_lugs_say() -> None:
    photo = make_product_photo(SampleKind.WATCH, Metal.SILVER, long_edge_px=1200, seed=2)
    alpha = photo.true_alpha
    rows = np.nonzero(alpha.max(axis=1) > 0.5)[0]
    strap_row = alpha[rows[0] + (rows[-1] - rows[0]) // 8]  # across the top strap
    assert photo.spec.strap_width_mm is not None
    assert abs(float(strap_row.sum()) - photo.spec.strap_width_mm / photo.mm_per_px) <= 2.0


def test_chain_bracelet_loop_matches_its_inner_length() -> None:
    photo = make_product_photo(SampleKind.CHAIN_BRACELET, Metal.YELLOW_GOLD, long_edge_px=1200)
    spec = photo.spec
    assert spec.inner_length_mm is not None and spec.chain_width_mm is not None
    outer_mm = spec.inner_length_mm / math.pi + 2 * spec.chain_width_mm
    # Links seen edge-on are narrower than flat ones: allow half a chain width.
    tolerance = 0.5 * spec.chain_width_mm / photo.mm_per_px
    assert abs(_width_px(photo.true_alpha) - outer_mm / photo.mm_per_px) <= tolerance


def test_pendant_hangs_at_the_bottom_centre_of_a_u() -> None:
    photo = make_product_photo(SampleKind.PENDANT_NECKLACE, Metal.YELLOW_GOLD, long_edge_px=1000)
    ys, xs = np.nonzero(photo.true_alpha > 0.5)
    left, right = xs.min(), xs.max()
    bottom_x = xs[ys == ys.max()].mean()
    assert abs(bottom_x - (left + right) / 2) < 0.03 * (right - left)
    top_rows = ys < ys.min() + 0.1 * np.ptp(ys)  # both chain ends reach the top
    assert xs[top_rows].min() < left + 0.1 * (right - left)
    assert xs[top_rows].max() > right - 0.1 * (right - left)


def test_given_scale_is_used_and_backgrounds_have_their_level() -> None:
    white = make_product_photo(SampleKind.BANGLE, Metal.SILVER, "white", 600, mm_per_px=0.2)
    grey = make_product_photo(SampleKind.BANGLE, Metal.SILVER, "light_grey", 600, mm_per_px=0.2)
    assert white.mm_per_px == 0.2
    assert white.spec.inner_diameter_mm is not None and white.spec.band_thickness_mm is not None
    outer_mm = white.spec.inner_diameter_mm + 2 * white.spec.band_thickness_mm
    assert abs(_width_px(white.true_alpha) - outer_mm / 0.2) <= 2.0
    assert 0.93 <= float(np.median(white.rgb[:40, :40])) <= 1.0
    assert 0.8 <= float(np.median(grey.rgb[:40, :40])) <= 0.9
    with pytest.raises(ValueError, match="background"):
        make_product_photo(SampleKind.RING, Metal.SILVER, "black")


def _same(a: ProductPhoto, b: ProductPhoto) -> bool:
    return np.array_equal(a.rgb, b.rgb) and np.array_equal(a.true_alpha, b.true_alpha)


def test_product_photos_are_deterministic_per_seed() -> None:
    first = make_product_photo(SampleKind.DROP_EARRINGS, Metal.SILVER, long_edge_px=400, seed=7)
    again = make_product_photo(SampleKind.DROP_EARRINGS, Metal.SILVER, long_edge_px=400, seed=7)
    other = make_product_photo(SampleKind.DROP_EARRINGS, Metal.SILVER, long_edge_px=400, seed=8)
    assert _same(first, again) and first.spec == again.spec
    assert not _same(first, other)


def _on(mask: np.ndarray | None, point: tuple[float, float]) -> float:
    assert mask is not None
    return float(mask[round(point[1]), round(point[0])])


@pytest.fixture(scope="module")
def templates() -> dict[BodyRegion, Template]:
    return {region: make_template(region, width=512, height=512, seed=1) for region in BodyRegion}


def test_templates_carry_their_scale_and_light(templates: dict[BodyRegion, Template]) -> None:
    for region, template in templates.items():
        annotation = template.annotation
        assert annotation.region == region
        assert annotation.px_per_mm == pytest.approx(512 / FRAME_WIDTH_MM[region], abs=1e-3)
        assert annotation.source == annotation.scale_source == "generated"
        assert math.hypot(*annotation.light_direction) == pytest.approx(1.0)
        assert template.rgb.shape == (512, 512, 3)
        assert template.body_mask is not None and template.body_mask.shape == (512, 512)


def test_neck_anchor_lies_on_the_skin(templates: dict[BodyRegion, Template]) -> None:
    template = templates[BodyRegion.NECK]
    neck = template.annotation.neck
    assert neck is not None and neck.down == (0.0, 1.0)
    for point in (neck.left, neck.right, neck.notch):
        assert _on(template.body_mask, point) > 0.5
    assert neck.left[0] < neck.notch[0] < neck.right[0]
    assert neck.notch[1] > neck.left[1]  # the notch is lower than the sides of the neck
    width_mm = (neck.right[0] - neck.left[0]) / template.annotation.px_per_mm
    assert 95 <= width_mm <= 125


def test_ear_lobe_is_on_the_ear_and_clear_of_hair(templates: dict[BodyRegion, Template]) -> None:
    template = templates[BodyRegion.EAR]
    ears = template.annotation.ears
    assert ears is not None and len(ears.lobes) == 1
    assert _on(template.body_mask, ears.lobes[0]) > 0.5
    assert template.hair_mask is not None and template.hair_mask.max() > 0.5
    assert _on(template.hair_mask, ears.lobes[0]) == 0.0


def test_ring_finger_anchor_spans_the_finger_mask(templates: dict[BodyRegion, Template]) -> None:
    template = templates[BodyRegion.HAND]
    finger = template.annotation.finger
    assert finger is not None and template.body_mask is not None
    assert _on(template.body_mask, finger.knuckle) > 0.5
    assert _on(template.body_mask, finger.middle_joint) > 0.5
    assert finger.middle_joint[1] < finger.knuckle[1]  # fingers point up
    # Measure the mask across the finger halfway between the joints.
    kx, ky = finger.knuckle
    mx, my = finger.middle_joint
    length = math.hypot(mx - kx, my - ky)
    ax, ay = (mx - kx) / length, (my - ky) / length
    cx, cy = (kx + mx) / 2, (ky + my) / 2
    steps = np.arange(-60, 60, 0.25)
    xs, ys = cx - ay * steps, cy + ax * steps
    across = ndimage.map_coordinates(template.body_mask, [ys, xs], order=1)
    assert float(across.sum()) * 0.25 == pytest.approx(finger.width_px, rel=0.06)
    width_mm = finger.width_px / template.annotation.px_per_mm
    assert 15.5 <= width_mm <= 18.5


def test_wrist_anchor_is_on_the_forearm(templates: dict[BodyRegion, Template]) -> None:
    template = templates[BodyRegion.WRIST]
    wrist = template.annotation.wrist
    assert wrist is not None and template.body_mask is not None
    assert _on(template.body_mask, wrist.center) > 0.5
    assert wrist.axis[0] > 0.9  # the hand is to the right
    ax, ay = wrist.axis
    steps = np.arange(-80, 80, 0.25)
    xs, ys = wrist.center[0] - ay * steps, wrist.center[1] + ax * steps
    across = ndimage.map_coordinates(template.body_mask, [ys, xs], order=1)
    assert float(across.sum()) * 0.25 == pytest.approx(wrist.width_px, rel=0.06)


# A bangle looser than the wrist slides onto the back of the hand: that is body too, where its
# contact shadow falls and QA counts it on the body. The mask stopped 14 mm past the wrist's centre,
# and a 63 mm bangle measured 54-76 % on the body by pose, its front arc unshadowed on the hand.
def test_the_back_of_the_hand_is_body_on_a_wrist(templates: dict[BodyRegion, Template]) -> None:
    template = templates[BodyRegion.WRIST]
    wrist = template.annotation.wrist
    assert wrist is not None and template.body_mask is not None
    for mm in (20.0, 40.0, 60.0):
        reach = mm * template.annotation.px_per_mm
        point = (wrist.center[0] + wrist.axis[0] * reach, wrist.center[1] + wrist.axis[1] * reach)
        assert _on(template.body_mask, point) > 0.5


def test_skin_colour_follows_the_skin_tone() -> None:
    light = make_template(BodyRegion.HAND, skin_tone=2, width=384, height=384)
    deep = make_template(BodyRegion.HAND, skin_tone=9, width=384, height=384)
    assert light.annotation.skin_lab[0] > deep.annotation.skin_lab[0] + 30
    with pytest.raises(ValueError, match="Monk"):
        make_template(BodyRegion.HAND, skin_tone=11)


def test_templates_are_deterministic_per_seed() -> None:
    first = make_template(BodyRegion.EAR, width=256, height=256, seed=3)
    again = make_template(BodyRegion.EAR, width=256, height=256, seed=3)
    other = make_template(BodyRegion.EAR, width=256, height=256, seed=4)
    assert np.array_equal(first.rgb, again.rgb) and first.annotation == again.annotation
    assert not np.array_equal(first.rgb, other.rgb)


def test_template_survives_save_and_load(
    templates: dict[BodyRegion, Template], tmp_path: Path
) -> None:
    template = templates[BodyRegion.EAR]
    loaded = Template.load(template.save(tmp_path))
    assert loaded.annotation == template.annotation
    assert np.abs(loaded.rgb - template.rgb).max() <= 0.5 / 255 + 1e-6
    for saved, original in (
        (loaded.body_mask, template.body_mask),
        (loaded.hair_mask, template.hair_mask),
    ):
        assert saved is not None and original is not None
        assert np.abs(saved - original).max() <= 0.5 / 255 + 1e-6


def test_sample_library_holds_every_region_twice(tmp_path: Path) -> None:
    paths = write_sample_library(tmp_path, size=192)
    assert len(paths) == 2 * len(BodyRegion) and all(p.is_file() for p in paths)
    regions = [Template.load(p).annotation.region for p in paths]
    assert sorted(regions) == sorted(list(BodyRegion) * 2)
