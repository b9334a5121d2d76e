"""The render pipeline: one product photo in, N lit, QA-checked, exported variations out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from typing import Any

import numpy as np

from imaging.cutout import Cutout, cut_out
from imaging.export import ExportedImage, export_for_platform
from imaging.image_io import FloatImage, SourceImage
from imaging.inspect import InspectionReport, inspect_photo
from imaging.jewelry import REGION_FOR_TYPE
from imaging.light import Composite, light_and_composite
from imaging.overlay import draw_qa_overlay
from imaging.place import Placement, place
from imaging.platforms import PlatformSpec
from imaging.product_spec import ProductSpec, scaled
from imaging.qa import QAReport, evaluate_render, reshoot_verdict
from imaging.template import Template
from imaging.variations import Variation, plan_variations

ProgressCallback = Callable[[str], None]


@dataclass
class RenderedVariation:
    """One variation with every layer that made it, its QA and its exports."""

    variation: Variation
    placement: Placement
    composite: Composite
    qa: QAReport
    overlay: FloatImage
    # The generation settings embedded in every export, and the IPTC source type it declares.
    settings: dict[str, str | int | float]
    exports: dict[str, ExportedImage]
    digital_source_type: str = "composite"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.variation.index,
            "seed": self.variation.seed,
            "template": self.variation.template.name,
            "tier": self.qa.tier.value,
            "checks": [check.to_dict() for check in self.qa.checks],
            "placement_notes": list(self.placement.notes),
            "exports": {
                name: {
                    "width": e.width,
                    "height": e.height,
                    "bytes": len(e.data),
                    "quality": e.quality,
                    "scale": round(e.scale, 3),  # above 1: upscaled to the platform's minimum
                }
                for name, e in self.exports.items()
            },
        }


@dataclass
class RenderResult:
    """Everything a render run produced, and the verdict on the source photo."""

    spec: ProductSpec
    inspection: InspectionReport
    cutout: Cutout
    variations: list[RenderedVariation]
    verdict: str | None  # "reshoot the source photo: ..." when the same flaw repeats, else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "jewelry_type": self.spec.jewelry_type.value,
            "spec": {k: v for k, v in asdict(self.spec).items() if v not in (None, (), {})},
            "inspection": self.inspection.to_dict(),
            "verdict": self.verdict,
            "variations": [v.to_dict() for v in self.variations],
        }


class RenderPipeline:
    """Cut out, place, light, check and export one product photo on a set of templates.

    The templates must be annotated for the body region of the spec's jewelry type.
    """

    def __init__(self, templates: Sequence[Template], platforms: Sequence[PlatformSpec]) -> None:
        if not templates:
            raise ValueError("a render needs at least one model template")
        self.templates = list(templates)
        self.platforms = list(platforms)

    def __call__(
        self,
        photo: SourceImage,
        spec: ProductSpec,
        variations: int = 3,
        seed: int = 0,
        progress: ProgressCallback | None = None,
    ) -> RenderResult:
        """Render `variations` variations of `photo`; raises an ImagingError subclass on unusable input."""
        region = REGION_FOR_TYPE[spec.jewelry_type]
        templates = [t for t in self.templates if t.annotation.region == region]
        if not templates:
            names = ", ".join(sorted({t.annotation.region.value for t in self.templates}))
            raise ValueError(
                f"no {region.value} template for a {spec.jewelry_type.value}: templates given are for {names}"
            )
        report = progress or (lambda step: None)

        report("cutout")
        cutout = cut_out(photo)
        inspection = inspect_photo(photo, cutout)
        rendered = []
        for variation in plan_variations(variations, seed, templates):
            report(f"variation {variation.index + 1}")
            rendered.append(self.render_variation(cutout, spec, variation))
        verdict = reshoot_verdict([r.qa for r in rendered])
        return RenderResult(spec, inspection, cutout, rendered, verdict)

    def render_variation(
        self, cutout: Cutout, spec: ProductSpec, variation: Variation, export: bool = True
    ) -> RenderedVariation:
        """Place, light, check and export one planned variation of an already cut-out piece.

        export=False leaves `exports` empty, for a caller that refines the render first and then
        exports it once (export_variation).
        """
        template = variation.template
        # A scale nudge changes what is drawn; QA still measures against the product's true size.
        placed_spec = spec if variation.scale_nudge == 1.0 else scaled(spec, variation.scale_nudge)
        placement = place(cutout, placed_spec, template, variation.jitter)
        if variation.scale_nudge != 1.0:
            true_extent = placement.expected_extent_mm / variation.scale_nudge
            placement = replace(placement, expected_extent_mm=true_extent)
        composite = light_and_composite(template, placement, variation.light)
        qa = evaluate_render(cutout, composite, placement, template, spec)
        overlay = draw_qa_overlay(composite, placement, qa, template)
        settings: dict[str, str | int | float] = {
            "generator": f"adorn {_version()}",
            "pipeline": "composite",
            "jewelry_type": spec.jewelry_type.value,
            "template": template.name,
            "seed": variation.seed,
            "tier": qa.tier.value,
            "assumed_sizes": ",".join(spec.assumed) or "none",
        }
        rendered = RenderedVariation(variation, placement, composite, qa, overlay, settings, {})
        if export:
            rendered.exports = export_variation(rendered, self.platforms)
        return rendered


def export_variation(
    rendered: RenderedVariation, platforms: Sequence[PlatformSpec]
) -> dict[str, ExportedImage]:
    """The variation's render exported for each platform, framed on the piece as it planned."""
    variation = rendered.variation
    focus = focus_box(rendered.placement.alpha_unoccluded)
    return {
        platform.name: export_for_platform(
            rendered.composite.rgb,
            focus,
            platform,
            rendered.settings,
            digital_source_type=rendered.digital_source_type,
            crop_zoom=variation.crop_zoom,
            crop_shift=variation.crop_shift,
        )
        for platform in platforms
    }


def focus_box(alpha: FloatImage) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1) of the visible piece; the whole frame if nothing is visible."""
    rows = np.flatnonzero(alpha.max(axis=1) > 0.1)  # a max per row and column: no pixel list
    cols = np.flatnonzero(alpha.max(axis=0) > 0.1)
    if cols.size == 0:
        return (0, 0, alpha.shape[1], alpha.shape[0])
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def _version() -> str:
    try:
        return metadata.version("adorn")
    except metadata.PackageNotFoundError:
        return "dev"
