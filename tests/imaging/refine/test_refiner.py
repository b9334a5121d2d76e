"""The refine stage end to end on a real render, with a tiny random SDXL inpainting pipeline."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from imaging.export import read_export_metadata
from imaging.platforms import get_platform
from imaging.refine.band import OPAQUE_ALPHA, contact_band_mask
from imaging.refine.outcome import REFINED_SOURCE_TYPE, RefineSettings, skip_refinement
from imaging.refine.refiner import ContactBandRefiner
from imaging.refine.window import window_around
from imaging.render import RenderResult, export_variation

TINY = RefineSettings(size_px=64, steps=4, strength=0.5, ring_px=4.0)


def _alpha(rendered: Any) -> np.ndarray:
    assert rendered.composite.alpha is not None
    return rendered.composite.alpha


class PassThrough:
    """Stands in for a model that repaints the band exactly as it was: refinement is no worse."""

    def __call__(self, **kwargs: Any) -> SimpleNamespace:
        images = [np.asarray(image, np.float32) / 255.0 for image in kwargs["image"]]
        return SimpleNamespace(images=np.stack(images))


class MetalSmear:
    """Stands in for a failure seen with inpainting next to jewelry: the model drags the metal's
    colour most of the way into the skin around it, so the piece's edge goes mushy. (Half-way is
    not always a failure: on a band whose edge renders a little sharper than its photo's, it
    softens it to within QA's tolerance.)"""

    def __init__(self, metal_rgb: np.ndarray) -> None:
        self.metal_rgb = metal_rgb

    def __call__(self, **kwargs: Any) -> SimpleNamespace:
        images = PassThrough()(**kwargs).images
        for image, mask in zip(images, kwargs["mask_image"], strict=True):
            band = np.asarray(mask) > 127
            image[band] = 0.2 * image[band] + 0.8 * self.metal_rgb
        return SimpleNamespace(images=images)


def test_piece_pixels_are_identical_and_only_the_window_changes(
    ring_render: RenderResult, tiny_inpaint: Any
) -> None:
    refiner = ContactBandRefiner(tiny_inpaint, TINY)
    refined = refiner.refine_pixels(ring_render.variations, ring_render.spec)
    for rendered, rgb in zip(ring_render.variations, refined, strict=True):
        composite = rendered.composite.rgb
        alpha = _alpha(rendered)
        opaque = alpha >= OPAQUE_ALPHA
        assert np.count_nonzero(opaque) > 50
        assert np.array_equal(rgb[opaque], composite[opaque])  # the seller's pixels, exactly
        changed = np.any(rgb != composite, axis=2)
        assert np.count_nonzero(changed) > 100  # the band was repainted
        assert not changed[opaque].any()
        # Nothing outside the window around the band moved (feather: half the 4 px ring).
        band = contact_band_mask(alpha, rendered.composite.shadow, 4.0)
        rows, cols = window_around(band, 2.0).inside
        outside = np.ones(changed.shape, bool)
        outside[rows, cols] = False
        assert not changed[outside].any()


def test_same_seed_same_pixels_other_seed_differs(
    ring_render: RenderResult, tiny_inpaint: Any
) -> None:
    refiner = ContactBandRefiner(tiny_inpaint, TINY)
    one = ring_render.variations[:1]
    first = refiner.refine_pixels(one, ring_render.spec, seeds=[21])[0]
    again = refiner.refine_pixels(one, ring_render.spec, seeds=[21])[0]
    other = refiner.refine_pixels(one, ring_render.spec, seeds=[22])[0]
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    default = refiner.refine_pixels(one, ring_render.spec)[0]  # the variation's own seed
    assert np.array_equal(
        default, refiner.refine_pixels(one, ring_render.spec, seeds=[one[0].variation.seed])[0]
    )


def test_a_batch_of_three_is_reproducible_and_matches_three_single_calls(
    ring_render: RenderResult, tiny_inpaint: Any
) -> None:
    calls: list[int] = []

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["image"]))
        assert len(kwargs["generator"]) == len(kwargs["image"])  # one generator per image
        return tiny_inpaint(**kwargs)

    refiner = ContactBandRefiner(counting, TINY)
    batch = refiner.refine_pixels(ring_render.variations, ring_render.spec)
    assert calls == [3]
    assert all(
        np.array_equal(a, b)
        for a, b in zip(
            batch, refiner.refine_pixels(ring_render.variations, ring_render.spec), strict=True
        )
    )
    singles = [refiner.refine_pixels([v], ring_render.spec)[0] for v in ring_render.variations]
    for together, alone in zip(batch, singles, strict=True):
        # Batched matrix products may round differently in the last bits; nothing more.
        assert np.abs(together - alone).max() < 1e-4
    assert not np.array_equal(batch[0], batch[1])


def test_refinement_that_worsens_qa_is_dropped_and_the_composite_kept(
    ring_render: RenderResult,
) -> None:
    rendered = ring_render.variations[0]
    opaque = _alpha(rendered) >= OPAQUE_ALPHA
    metal = np.median(rendered.composite.rgb[opaque], axis=0)
    refiner = ContactBandRefiner(MetalSmear(metal), TINY, model="smear")
    result = refiner(ring_render.variations, ring_render.cutout, ring_render.spec)

    assert [o.status for o in result.outcomes] == ["kept_composite"] * 3
    for kept, original, outcome in zip(
        result.variations, ring_render.variations, result.outcomes, strict=True
    ):
        assert kept is original  # composite, QA, overlay and exports all as rendered
        assert "the metal's colour spread into the skin around it" in outcome.reason
        assert outcome.tier_after is not None and outcome.seconds > 0


def test_random_weights_paint_noise_and_are_dropped_too(
    ring_render: RenderResult, tiny_inpaint: Any
) -> None:
    refiner = ContactBandRefiner(tiny_inpaint, TINY, model="tiny-random")
    result = refiner(ring_render.variations, ring_render.cutout, ring_render.spec)
    assert all(o.status == "kept_composite" and o.reason for o in result.outcomes)
    assert result.variations == ring_render.variations
    report = result.to_dict()
    assert report["model"] == "tiny-random" and report["settings"]["strength"] == 0.5


def test_refinement_no_worse_than_the_composite_is_kept_with_new_qa_overlay_and_exports(
    ring_render: RenderResult,
) -> None:
    # At 128 px the window is not shrunk, so a pass-through model changes nothing QA can see.
    settings = RefineSettings(size_px=128, steps=4, strength=0.5, ring_px=4.0)
    refiner = ContactBandRefiner(PassThrough(), settings, model="pass-through")
    result = refiner(ring_render.variations, ring_render.cutout, ring_render.spec)

    assert [o.status for o in result.outcomes] == ["refined"] * 3
    for refined, original, outcome in zip(
        result.variations, ring_render.variations, result.outcomes, strict=True
    ):
        assert refined is not original and refined.variation == original.variation
        assert outcome.seed == original.variation.seed
        assert outcome.tier_after == refined.qa.tier.value
        assert refined.overlay is not original.overlay
        assert refined.overlay.shape == original.overlay.shape
        exported = refined.exports["instagram"]
        assert (exported.width, exported.height) == (
            original.exports["instagram"].width,
            original.exports["instagram"].height,
        )
        metadata = read_export_metadata(exported.data)
        source_type = metadata["digital_source_type"] or ""
        assert source_type.endswith("compositeWithTrainedAlgorithmicMedia")
        assert metadata["settings"]["pipeline"] == "refined"
        assert metadata["settings"]["refine_seed"] == str(original.variation.seed)
        assert metadata["settings"]["template"] == original.variation.template.name
    render = result.applied_to(ring_render)
    assert render.variations == result.variations and render.cutout is ring_render.cutout


def test_a_render_not_yet_exported_is_exported_once_after_refinement(
    ring_render: RenderResult,
) -> None:
    # The generate job renders with export=False, refines, then exports each variation once.
    unexported = [replace(rendered, exports={}) for rendered in ring_render.variations]
    settings = RefineSettings(size_px=128, steps=4, strength=0.5, ring_px=4.0)
    refiner = ContactBandRefiner(PassThrough(), settings, model="pass-through")
    result = refiner(unexported, ring_render.cutout, ring_render.spec)

    for refined, original in zip(result.variations, ring_render.variations, strict=True):
        assert refined.exports == {}  # no export the job would throw away
        exports = export_variation(refined, [get_platform("instagram")])
        metadata = read_export_metadata(exports["instagram"].data)
        assert metadata["settings"]["pipeline"] == "refined"
        assert metadata["settings"]["seed"] == str(original.variation.seed)
        assert (metadata["digital_source_type"] or "").endswith(REFINED_SOURCE_TYPE)


def test_without_weights_the_compositing_path_goes_on(ring_render: RenderResult) -> None:
    result = skip_refinement(ring_render.variations, "no diffusion weights configured")
    assert result.variations == ring_render.variations
    assert [o.status for o in result.outcomes] == ["skipped"] * 3
    assert result.outcomes[0].reason == "no diffusion weights configured"
    assert result.applied_to(ring_render).variations == ring_render.variations


def test_bad_settings_and_inputs_are_clear_errors(ring_render: RenderResult) -> None:
    with pytest.raises(ValueError, match="strength"):
        RefineSettings(strength=0.0)
    with pytest.raises(ValueError, match="denoise no step"):
        RefineSettings(steps=2, strength=0.3)
    with pytest.raises(ValueError, match="multiple of 8"):
        RefineSettings(size_px=100)
    with pytest.raises(ValueError, match="batch_size"):
        RefineSettings(batch_size=0)
    assert RefineSettings().denoising_steps == 9  # 30 steps at strength 0.3
    refiner = ContactBandRefiner(PassThrough(), TINY)
    with pytest.raises(ValueError, match="no variations"):
        refiner([], ring_render.cutout, ring_render.spec)
    with pytest.raises(ValueError, match="2 seeds for 3 variations"):
        refiner(ring_render.variations, ring_render.cutout, ring_render.spec, seeds=[1, 2])
