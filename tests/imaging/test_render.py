"""The whole render pipeline on generated products and templates, where every truth is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imaging.cutout import cut_out
from imaging.image_io import SourceImage
from imaging.platforms import get_platform
from imaging.qa import RULES
from imaging.render import RenderedVariation, RenderPipeline
from imaging.samples.catalog import DEMO_PIECES
from imaging.samples.products import Metal, SampleKind, make_product_photo
from imaging.size_text import parse_product_spec
from imaging.template_library import list_templates
from imaging.variations import nudged, plan_variations


@pytest.mark.parametrize(
    "piece", DEMO_PIECES, ids=[f"{kind.value}-{metal.value}" for kind, metal, _ in DEMO_PIECES]
)
def test_every_type_renders_at_true_scale_with_faithful_metal(
    piece: tuple, template_library: Path
) -> None:
    kind, metal, background = piece
    photo = make_product_photo(kind, metal, background, long_edge_px=1600, seed=3)
    spec = parse_product_spec(f"{photo.title}. {photo.description}", photo.spec.jewelry_type)
    pipeline = RenderPipeline(list_templates(template_library), [get_platform("shopify")])

    result = pipeline(SourceImage.from_array(photo.rgb), spec, variations=2, seed=11)

    assert len(result.variations) == 2
    for rendered in result.variations:
        checks = {c.name: c for c in rendered.qa.checks}
        assert checks["scale_error_pct"].value <= 5.0, checks["scale_error_pct"].message
        assert checks["metal_colour_de2000"].value <= 2.0, checks["metal_colour_de2000"].message
        shopify = rendered.exports["shopify"]
        assert shopify.width == shopify.height  # 1:1, at most the 2048 px target: never upscaled
        assert 800 <= shopify.width <= 2048


def test_a_band_shown_wider_than_its_photo_is_thick_keeps_the_photo_s_sharp_edges(
    template_library: Path,
) -> None:
    # A face-on photo shows a bangle's thickness (2.5 mm here), the wrist its width (6 mm): stretched
    # across whole, its edges rendered twice as soft as the photo's (2.1-2.2x, a failed check).
    photo = make_product_photo(SampleKind.BANGLE, Metal.ROSE_GOLD, "white", 1600, seed=0)
    spec = parse_product_spec(f"{photo.title}. {photo.description}", photo.spec.jewelry_type)
    result = RenderPipeline(list_templates(template_library), [])(
        SourceImage.from_array(photo.rgb), spec, variations=2, seed=11
    )
    for rendered in result.variations:
        sharpness = {c.name: c for c in rendered.qa.checks}["edge_sharpness"]
        assert sharpness.value <= RULES["edge_sharpness"].editorial, sharpness.message


def test_same_seed_gives_the_same_image(template_library: Path) -> None:
    kind, metal, background = DEMO_PIECES[4]  # the ring
    photo = make_product_photo(kind, metal, background, long_edge_px=1200, seed=1)
    spec = parse_product_spec(photo.description, photo.spec.jewelry_type)
    pipeline = RenderPipeline(list_templates(template_library), [])
    first = pipeline(SourceImage.from_array(photo.rgb), spec, variations=2, seed=5)
    again = pipeline(SourceImage.from_array(photo.rgb), spec, variations=2, seed=5)
    other = pipeline(SourceImage.from_array(photo.rgb), spec, variations=2, seed=6)
    for a, b in zip(first.variations, again.variations, strict=True):
        assert np.array_equal(a.composite.rgb, b.composite.rgb)
    assert not np.array_equal(first.variations[0].composite.rgb, other.variations[0].composite.rgb)


def test_variations_differ_in_template_pose_light_and_crop(template_library: Path) -> None:
    templates = list_templates(template_library)
    variations = plan_variations(3, 100, templates[:2])
    assert [v.seed for v in variations] == [100, 101, 102]
    assert variations[0].template.name != variations[1].template.name
    assert len({v.jitter for v in variations}) == 3
    assert len({v.light.angle_jitter_deg for v in variations}) == 3
    assert len({v.crop_zoom for v in variations}) == 3
    for v in variations:
        assert abs(v.jitter.rotation_deg) <= v.template.annotation.pose_tolerance_deg


def test_no_template_for_the_region_is_a_clear_error(template_library: Path) -> None:
    kind, metal, background = DEMO_PIECES[4]
    photo = make_product_photo(kind, metal, background, long_edge_px=800, seed=1)
    neck_only = [t for t in list_templates(template_library) if t.annotation.region == "neck"]
    spec = parse_product_spec("", photo.spec.jewelry_type)
    with pytest.raises(ValueError, match="no hand template"):
        RenderPipeline(neck_only, [])(SourceImage.from_array(photo.rgb), spec)


def test_a_scale_nudge_draws_bigger_and_qa_measures_against_the_true_size(
    template_library: Path,
) -> None:
    kind, metal, background = DEMO_PIECES[4]  # the ring
    photo = make_product_photo(kind, metal, background, long_edge_px=1200, seed=2)
    spec = parse_product_spec(photo.description, photo.spec.jewelry_type)
    pipeline = RenderPipeline(list_templates(template_library), [])
    hand = [t for t in pipeline.templates if t.annotation.region == "hand"]
    variation = plan_variations(1, 9, hand)[0]
    cutout = cut_out(SourceImage.from_array(photo.rgb))

    plain = pipeline.render_variation(cutout, spec, variation)
    bigger = pipeline.render_variation(cutout, spec, nudged(variation, 1.1, (0.0, 0.0)))

    def scale_error(rendered: RenderedVariation) -> float:
        return next(c.value for c in rendered.qa.checks if c.name == "scale_error_pct")

    assert scale_error(plain) < 2.0
    assert scale_error(bigger) == pytest.approx(10.0, abs=2.0)
    assert bigger.placement.alpha_unoccluded.sum() > 1.15 * plain.placement.alpha_unoccluded.sum()
