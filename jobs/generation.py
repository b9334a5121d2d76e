"""One generation run: source photo from storage, render every variation, files and rows out."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from core.settings import Settings
from imaging.cutout import cut_out
from imaging.geometry import angle_deg
from imaging.image_io import (
    WORKING_LONG_EDGE_PX,
    FloatImage,
    SourceImage,
    load_image,
    to_pil,
)
from imaging.inspect import InspectionReport, inspect_photo
from imaging.jewelry import REGION_FOR_TYPE, JewelryType
from imaging.platforms import PLATFORMS, PlatformSpec
from imaging.qa import Tier, reshoot_verdict, tier_rank
from imaging.render import RenderedVariation, RenderPipeline, RenderResult, export_variation
from imaging.template import Template
from imaging.template_library import ensure_library, list_templates
from imaging.variations import Variation, nudged, plan_variations
from integrations.store import StoreClient
from jobs.catalog import render_spec
from jobs.refinement import refine_render
from jobs.storage import FileStorage
from models.enums import BackgroundStyle, ImageStatus
from models.queries import list_templates as list_template_rows
from models.tables import GeneratedImage, GenerationRun, Preset, Product, SourcePhoto
from models.tables import Template as TemplateRow

Progress = Callable[[float, str], None]

# adorn's library templates are its generated samples, all drawn on a studio backdrop.
LIBRARY_BACKGROUND = BackgroundStyle.STUDIO
# Destinations that take any aspect ratio: a preset's crop ratio frames their images. The others
# keep the ratio their platform requires (Etsy's 4:3 thumbnails, Amazon's square, Instagram's 4:5).
FREE_RATIO_PLATFORMS = ("shopify",)
FRAMED_LONG_SIDE_PX = 2048  # Shopify's recommended size, on the long side of any ratio
CROP_RATIO_PATTERN = re.compile(r"([1-9][0-9]?):([1-9][0-9]?)")
CROP_RATIO_LIMIT = 2.0  # from 1:2 to 2:1: beyond, the piece rarely fits and themes letterbox it


@dataclass(frozen=True)
class EligibleTemplate:
    """A template a run may render on, with the backdrop label a preset chooses by."""

    template: Template
    background_style: str


@lru_cache(maxsize=8)
def library(folder: Path) -> tuple[Template, ...]:
    """The template library, loaded once per process (a GPU worker keeps it between jobs)."""
    ensure_library(folder)
    return tuple(list_templates(folder))


def templates_for(
    session: Session,
    storage: FileStorage,
    folder: Path,
    product: Product,
    preset: Preset | None,
) -> list[Template]:
    """The templates a run renders on.

    The preset's by name (the shop's own upload of that name first, else the library's), or
    every template of the shop and the library for the product's body region; with a preset,
    only those whose backdrop is its background style. ValueError says what is missing.
    """
    assert product.jewelry_type is not None
    region = REGION_FOR_TYPE[JewelryType(product.jewelry_type)]
    candidates = _shop_templates(session, storage, product.shop_id, region.value) + [
        EligibleTemplate(t, LIBRARY_BACKGROUND.value)
        for t in library(folder)
        if t.annotation.region == region
    ]
    if preset is not None and preset.template_names:
        by_name: dict[str, EligibleTemplate] = {}
        for candidate in candidates:  # the shop's own come first and win a shared name
            by_name.setdefault(candidate.template.name, candidate)
        unknown = [name for name in preset.template_names if name not in by_name]
        if unknown:
            raise ValueError(
                f"preset {preset.name!r} names templates that are not {region.value} templates "
                f"of this shop or the library: {', '.join(unknown)}"
            )
        candidates = [by_name[name] for name in preset.template_names]
    if preset is not None:
        candidates = [c for c in candidates if c.background_style == preset.background_style]
    if not candidates:
        style = f"{preset.background_style}-background " if preset is not None else ""
        raise ValueError(
            f"no {style}{region.value} template for a {product.jewelry_type}: upload a model "
            "photo with that backdrop, or change the preset"
        )
    return [c.template for c in candidates]


def _shop_templates(
    session: Session, storage: FileStorage, shop_id: int, region: str
) -> list[EligibleTemplate]:
    """The shop's own annotated templates for a body region, loaded from storage (their JSON
    holds any fix the seller made by hand)."""
    rows: list[TemplateRow] = [
        row
        for row in list_template_rows(session, shop_id)
        if row.shop_id == shop_id
        and row.region == region
        and row.annotation
        and row.annotation_error is None
    ]
    return [
        EligibleTemplate(
            Template.load(storage.path(row.photo_path).with_suffix(".json")),
            row.background_style,
        )
        for row in rows
    ]


def parse_crop_ratio(text: str) -> tuple[int, int]:
    """The ratio "w:h" in lowest terms; ValueError unless it is whole numbers from 1:2 to 2:1."""
    match = CROP_RATIO_PATTERN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"crop ratio must be width:height, e.g. 4:5, not {text!r}")
    width, height = int(match[1]), int(match[2])
    if not 1 / CROP_RATIO_LIMIT <= width / height <= CROP_RATIO_LIMIT:
        raise ValueError(f"crop ratio {text} is outside 1:2 to 2:1")
    divisor = math.gcd(width, height)
    return width // divisor, height // divisor


def platforms_for(crop_ratio: str | None) -> list[PlatformSpec]:
    """Every destination's export spec; with a crop ratio, the free-ratio ones framed at it."""
    specs = list(PLATFORMS.values())
    if crop_ratio is None:
        return specs
    ratio_w, ratio_h = parse_crop_ratio(crop_ratio)
    multiple = FRAMED_LONG_SIDE_PX // max(ratio_w, ratio_h)
    return [
        replace(spec, ratio=(ratio_w, ratio_h), width=multiple * ratio_w, height=multiple * ratio_h)
        if spec.name in FREE_RATIO_PLATFORMS
        else spec
        for spec in specs
    ]


def reaches_tier(tier: str | None, target: str) -> bool:
    """Whether a render's QA tier is the target tier or a stricter one."""
    return tier_rank(tier) >= tier_rank(Tier(target))


def approve_reaching_target(session: Session, run: GenerationRun, target_tier: str) -> list[int]:
    """Approve the run's pending images that reach `target_tier`; their ids.

    A seed the seller already decided on (an earlier image of the product with the same seed,
    approved or rejected: a nudge re-renders it) is left to the seller, so a re-render never
    doubles an approved image nor overrides a rejection.
    """
    images = session.exec(
        select(GeneratedImage)
        .where(GeneratedImage.product_id == run.product_id)
        .order_by(col(GeneratedImage.id))
    ).all()
    decided = {i.seed for i in images if i.run_id != run.id and i.status != ImageStatus.PENDING}
    approved = []
    for image in images:
        if (
            image.run_id == run.id
            and image.status == ImageStatus.PENDING
            and image.seed not in decided
            and reaches_tier(image.tier, target_tier)
        ):
            image.status = ImageStatus.APPROVED
            session.add(image)
            approved.append(_row_id(image.id))
    return approved


def source_photo_path(photo: SourcePhoto, product: Product) -> str:
    """Where the photo's bytes are stored: under the shop and product."""
    return f"{product.shop_id}/{product.id}/source/{_safe(photo.remote_id)}.img"


def fetch_source(
    storage: FileStorage, store: StoreClient, photo: SourcePhoto, product: Product, max_pixels: int
) -> SourceImage:
    """The photo, downloaded once into storage; loading it checks formats and pixel limits."""
    path = photo.local_path or source_photo_path(photo, product)
    if not storage.exists(path):
        storage.write(path, store.download_image(photo.url))
    photo.local_path = path
    image = load_image(storage.read(path), max_pixels, long_edge_cap=WORKING_LONG_EDGE_PX)
    photo.width, photo.height = image.reduced_from or (image.width, image.height)
    return image


def record_inspection(photo: SourcePhoto, report: InspectionReport) -> None:
    """Store the findings and grade on the photo's row."""
    photo.inspection = report.to_dict()
    photo.grade = report.grade


def inspect_source(image: SourceImage) -> InspectionReport:
    """Grade the photo (cutting the piece out first, as the render does)."""
    return inspect_photo(image, cut_out(image))


def render_run(
    session: Session,
    storage: FileStorage,
    run: GenerationRun,
    photo: SourcePhoto,
    image: SourceImage,
    pipeline: RenderPipeline,
    product: Product,
    variations: int,
    progress: Progress,
    settings: Settings,
    light_direction_deg: float | None = None,
) -> str | None:
    """Render the run's variations, refine their contact band (when a model is configured), write
    their files and upsert one row each; the run's verdict.

    `light_direction_deg` (a preset's) aims each variation's light (plan_variations).
    A retried run renders the same seeds again and replaces its files and rows in place, so a
    worker killed mid-run leaves neither a lost image nor a duplicate.
    """
    spec = render_spec(product)
    region = REGION_FOR_TYPE[spec.jewelry_type]
    templates = [t for t in pipeline.templates if t.annotation.region == region]
    if not templates:
        raise ValueError(f"no {region.value} template for a {spec.jewelry_type.value}")
    progress(0.05, "cutting out the piece")
    cutout = cut_out(image)
    inspection = inspect_photo(image, cutout)
    record_inspection(photo, inspection)
    session.add(photo)
    session.commit()
    planned = [
        _with_seller_nudge(session, run, variation)
        for variation in plan_variations(variations, run.base_seed, templates, light_direction_deg)
    ]
    rendered = []
    for number, variation in enumerate(planned, start=1):
        progress(0.05 + 0.75 * (number - 1) / len(planned), f"variation {number} of {len(planned)}")
        # Exported once, below, after refinement has decided which image each variation keeps.
        rendered.append(pipeline.render_variation(cutout, spec, variation, export=False))
    progress(0.75, "refining the contact band")
    # All variations of the product go to the refiner together: it batches them on the GPU.
    result, refine_report = refine_render(
        RenderResult(spec, inspection, cutout, rendered, verdict=None), settings
    )
    outcomes = {outcome["index"]: outcome for outcome in refine_report["outcomes"]}
    progress(0.9, "exporting for each platform")
    for variation_result in result.variations:
        variation_result.exports = export_variation(variation_result, pipeline.platforms)
        outcome = outcomes[variation_result.variation.index]
        _save_variation(session, storage, run, product, variation_result, outcome)
    session.commit()
    return reshoot_verdict([variation_result.qa for variation_result in result.variations])


def _with_seller_nudge(session: Session, run: GenerationRun, variation: Variation) -> Variation:
    """The variation with the latest nudge the seller saved on an image of the same product and
    seed (a nudge re-renders in a new run with the same base seed)."""
    row = session.exec(
        select(GeneratedImage)
        .where(
            GeneratedImage.product_id == run.product_id,
            GeneratedImage.seed == variation.seed,
        )
        .order_by(col(GeneratedImage.id).desc())
    ).first()
    if row is None or (row.scale_nudge == 1.0 and not row.offset_nudge_mm):
        return variation
    offset = row.offset_nudge_mm or [0.0, 0.0]
    return nudged(variation, row.scale_nudge, (float(offset[0]), float(offset[1])))


def _save_variation(
    session: Session,
    storage: FileStorage,
    run: GenerationRun,
    product: Product,
    rendered: RenderedVariation,
    refine_outcome: dict[str, Any],
) -> None:
    index = rendered.variation.index
    folder = f"{product.shop_id}/{product.id}/{run.id}"
    render_path = storage.write(f"{folder}/v{index}-render.png", _png(rendered.composite.rgb))
    overlay_path = storage.write(f"{folder}/v{index}-overlay.png", _png(rendered.overlay))
    report = rendered.to_dict()
    # Where the shadows fall (screen degrees, 0 = right, 90 = down), for review and presets.
    report["light_deg"] = round(angle_deg(rendered.composite.light_direction) % 360.0, 1)
    report["refine"] = refine_outcome  # refined, or why the composite was kept
    for name, exported in rendered.exports.items():
        path = storage.write(f"{folder}/exports/{name}/v{index}.jpg", exported.data)
        report["exports"][name]["path"] = path
    row = session.exec(
        select(GeneratedImage).where(
            GeneratedImage.run_id == run.id, col(GeneratedImage.variation_index) == index
        )
    ).first()
    if row is None:
        assert run.id is not None and product.id is not None
        row = GeneratedImage(
            run_id=run.id,
            product_id=product.id,
            variation_index=index,
            seed=rendered.variation.seed,
            template_name=rendered.variation.template.name,
            render_path=render_path,
        )
    row.tier = rendered.qa.tier.value
    row.qa_report = report
    row.scale_nudge = rendered.variation.scale_nudge
    row.offset_nudge_mm = list(rendered.variation.offset_nudge_mm)
    row.render_path, row.overlay_path = render_path, overlay_path
    session.add(row)


def export_path(image: GeneratedImage, platform: str) -> str:
    """The stored export of the image for a platform; KeyError if the run did not export it."""
    return str(image.qa_report["exports"][platform]["path"])


def _png(rgb: FloatImage) -> bytes:
    buffer = io.BytesIO()
    to_pil(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def _row_id(row_id: int | None) -> int:
    assert row_id is not None, "rows read from the database have ids"
    return row_id


def _safe(remote_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in remote_id)[-80:]
