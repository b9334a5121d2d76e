"""Contact-band refinement: an SDXL inpainting pass over the few millimetres where metal meets
skin, on rendered variations, keeping the piece's own pixels and never making QA worse.

For each variation: the band (a ring around the piece plus its cast shadow, never its interior)
is cut out in a square window, repainted at low strength at the model's working size, pasted back
with a feathered seam, and the piece's pixels are put back exactly. QA runs again; a variation
whose metal colour, edges, scale or tier got worse keeps its composite, and the outcome says why.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from PIL import Image

from imaging.cutout import Cutout
from imaging.diffusion.config import DiffusionConfig
from imaging.diffusion.convert import image_to_pil, images_from_output, mask_to_pil
from imaging.diffusion.loading import SdxlPipeline, load_pipeline
from imaging.image_io import FloatImage
from imaging.light import Box
from imaging.overlay import draw_qa_overlay
from imaging.product_spec import ProductSpec
from imaging.qa import evaluate_render
from imaging.refine.band import contact_band_mask, ring_width_px
from imaging.refine.outcome import (
    REFINED_SOURCE_TYPE,
    RefineOutcome,
    RefineResult,
    RefineSettings,
)
from imaging.refine.verdict import METAL_SPREAD_MAX, metal_spread, worse_than_composite
from imaging.refine.window import (
    Window,
    cut_window,
    feathered_weight,
    paste_back,
    window_around,
)
from imaging.render import RenderedVariation, export_variation

# A StableDiffusionXLInpaintPipeline, or anything called like one that returns `.images`.
InpaintPipeline = SdxlPipeline


@dataclass(frozen=True)
class _Prepared:
    """One variation ready for the model: its window, blend weight and model inputs."""

    window: Window
    weight: FloatImage  # over window.inside
    image: Image.Image
    mask: Image.Image


class ContactBandRefiner:
    """Refines the contact band of rendered variations with an SDXL inpainting pipeline.

    Load the pipeline once per process (`ContactBandRefiner.load`) and call the refiner for each
    product's variations: they go through the model `settings.batch_size` at a time.
    """

    def __init__(
        self,
        pipeline: InpaintPipeline,
        settings: RefineSettings | None = None,
        model: str = "unnamed",
    ) -> None:
        self.pipeline = pipeline
        self.settings = settings or RefineSettings()
        self.model = model

    @classmethod
    def load(
        cls, config: DiffusionConfig, settings: RefineSettings | None = None
    ) -> ContactBandRefiner:
        """A refiner on the inpainting weights `config` names; PipelineUnavailable when there
        are none or they fail to load (the caller then uses skip_refinement)."""
        pipeline = load_pipeline("inpaint", config)
        return cls(pipeline, settings, model=str(config.model))

    def __call__(
        self,
        variations: Sequence[RenderedVariation],
        cutout: Cutout,
        spec: ProductSpec,
        seeds: Sequence[int] | None = None,
    ) -> RefineResult:
        """Refine each variation of one product; `seeds` default to each variation's own seed.
        The same seed on the same variation and device gives the same image."""
        started = time.perf_counter()
        chosen: list[RenderedVariation] = []
        outcomes: list[RefineOutcome] = []
        for batch, batch_seeds in self._batches(variations, seeds):
            batch_started = time.perf_counter()
            repainted = self._repaint(batch, spec, batch_seeds)
            share = (time.perf_counter() - batch_started) / len(batch)
            for rendered, (window, rgb), seed in zip(batch, repainted, batch_seeds, strict=True):
                judged_started = time.perf_counter()
                variation, outcome = self._judge(rendered, window, rgb, cutout, spec, seed)
                seconds = share + time.perf_counter() - judged_started
                chosen.append(variation)
                outcomes.append(replace(outcome, seconds=round(seconds, 4)))
        elapsed = time.perf_counter() - started
        return RefineResult(chosen, outcomes, self.model, elapsed, self.settings)

    def refine_pixels(
        self,
        variations: Sequence[RenderedVariation],
        spec: ProductSpec,
        seeds: Sequence[int] | None = None,
    ) -> list[FloatImage]:
        """The refined full-size canvases, piece pixels put back, before QA judges them: what
        the refiner would show, whether or not it is kept."""
        return [
            rgb
            for batch, batch_seeds in self._batches(variations, seeds)
            for _, rgb in self._repaint(batch, spec, batch_seeds)
        ]

    def _batches(
        self, variations: Sequence[RenderedVariation], seeds: Sequence[int] | None
    ) -> Iterator[tuple[list[RenderedVariation], list[int]]]:
        """The variations and their seeds, `batch_size` at a time, after checking them."""
        if not variations:
            raise ValueError("no variations to refine")
        if seeds is None:
            seeds = [rendered.variation.seed for rendered in variations]
        if len(seeds) != len(variations):
            raise ValueError(f"{len(seeds)} seeds for {len(variations)} variations: give one each")
        size = self.settings.batch_size
        for start in range(0, len(variations), size):
            batch_seeds = [int(seed) for seed in seeds[start : start + size]]
            yield list(variations[start : start + size]), batch_seeds

    def _prepare(self, rendered: RenderedVariation) -> _Prepared:
        composite = rendered.composite
        alpha = _piece_alpha(rendered)
        px_per_mm = rendered.variation.template.annotation.px_per_mm
        ring = ring_width_px(px_per_mm, self.settings.ring_mm, self.settings.ring_px)
        feather = self.settings.feather_px or max(ring / 2.0, 1.5)
        band = contact_band_mask(alpha, composite.shadow, ring, self.settings.shadow_min)
        window = window_around(band, feather)
        size = self.settings.size_px
        # A band pixel only partly inside a working pixel still marks it: thin rings survive.
        mask = cut_window(band.astype(np.float32), window, size) > 0.0
        return _Prepared(
            window=window,
            weight=feathered_weight(band, window, feather),
            image=image_to_pil(cut_window(composite.rgb, window, size)),
            mask=mask_to_pil(mask),
        )

    def _repaint(
        self, batch: list[RenderedVariation], spec: ProductSpec, seeds: list[int]
    ) -> list[tuple[Window, FloatImage]]:
        """One model call for the batch; each result pasted back with the piece put back, with
        the window it came from."""
        settings = self.settings
        prepared = [self._prepare(rendered) for rendered in batch]
        prompt = settings.prompt.replace("{jewelry}", spec.jewelry_type.value)
        # CPU generators: the same seed gives the same noise on any device.
        generators = [torch.Generator("cpu").manual_seed(seed) for seed in seeds]
        output = self.pipeline(
            prompt=[prompt] * len(batch),
            negative_prompt=[settings.negative_prompt] * len(batch),
            image=[ready.image for ready in prepared],
            mask_image=[ready.mask for ready in prepared],
            height=settings.size_px,
            width=settings.size_px,
            strength=settings.strength,
            num_inference_steps=settings.steps,
            guidance_scale=settings.guidance_scale,
            generator=generators,
            output_type="np",
        )
        windows = images_from_output(output.images)
        refined = []
        for rendered, ready, window_rgb in zip(batch, prepared, windows, strict=True):
            alpha = _piece_alpha(rendered)
            canvas = rendered.composite.rgb
            pasted = paste_back(canvas, window_rgb, ready.window, ready.weight, alpha)
            refined.append((ready.window, pasted))
        return refined

    def _judge(
        self,
        rendered: RenderedVariation,
        window: Window,
        rgb: FloatImage,
        cutout: Cutout,
        spec: ProductSpec,
        seed: int,
    ) -> tuple[RenderedVariation, RefineOutcome]:
        """The refined variation when its QA is no worse than the composite's, else the composite."""
        template = rendered.variation.template
        composite = replace(rendered.composite, rgb=rgb, box=_union(rendered.composite.box, window))
        qa = evaluate_render(cutout, composite, rendered.placement, template, spec)
        worse = worse_than_composite(rendered.qa, qa)
        ring = ring_width_px(
            template.annotation.px_per_mm, self.settings.ring_mm, self.settings.ring_px
        )
        spread = metal_spread(rendered.composite.rgb, rgb, _piece_alpha(rendered), ring)
        if spread > METAL_SPREAD_MAX:
            worse.append(
                f"the metal's colour spread into the skin around it ({spread:.0%} of the way)"
            )
        outcome = RefineOutcome(
            index=rendered.variation.index,
            status="kept_composite" if worse else "refined",
            reason="; ".join(worse) if worse else "QA no worse than the composite",
            seed=seed,
            seconds=0.0,
            tier_before=rendered.qa.tier.value,
            tier_after=qa.tier.value,
        )
        if worse:
            return rendered, outcome
        overlay = draw_qa_overlay(composite, rendered.placement, qa, template)
        settings = {
            **rendered.settings,
            "pipeline": "refined",
            "tier": qa.tier.value,
            "refine_model": self.model,
            "refine_seed": seed,
            "refine_strength": self.settings.strength,
            "refine_steps": self.settings.steps,
        }
        refined = RenderedVariation(
            rendered.variation,
            rendered.placement,
            composite,
            qa,
            overlay,
            settings,
            {},
            digital_source_type=REFINED_SOURCE_TYPE,
        )
        # Exported for the same platforms as the composite was (none when the caller exports later).
        refined.exports = export_variation(refined, [e.spec for e in rendered.exports.values()])
        return refined, outcome


def _piece_alpha(rendered: RenderedVariation) -> FloatImage:
    """The piece's alpha as it was composited (after blur matching), the placement's otherwise."""
    alpha = rendered.composite.alpha
    return alpha if alpha is not None else rendered.placement.alpha


def _union(box: Box | None, window: Window) -> Box:
    rows, cols = window.inside
    if box is None:
        return Box(rows.start, rows.stop, cols.start, cols.stop)
    return Box(
        min(box.top, rows.start),
        max(box.bottom, rows.stop),
        min(box.left, cols.start),
        max(box.right, cols.stop),
    )
