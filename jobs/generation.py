"""One generation run: source photo from storage, render every variation, files and rows out."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from imaging.cutout import cut_out
from imaging.image_io import FloatImage, SourceImage, load_image, to_pil
from imaging.inspect import InspectionReport, inspect_photo
from imaging.jewelry import REGION_FOR_TYPE, JewelryType
from imaging.platforms import PLATFORMS
from imaging.qa import reshoot_verdict
from imaging.render import RenderedVariation, RenderPipeline
from imaging.template import Template
from imaging.template_library import ensure_library, find_template, list_templates
from imaging.variations import Variation, nudged, plan_variations
from integrations.store import StoreClient
from jobs.catalog import render_spec
from jobs.storage import FileStorage
from models.tables import GeneratedImage, GenerationRun, Preset, Product, SourcePhoto

Progress = Callable[[float, str], None]


@lru_cache(maxsize=8)
def library(folder: Path) -> tuple[Template, ...]:
    """The template library, loaded once per process (a GPU worker keeps it between jobs)."""
    ensure_library(folder)
    return tuple(list_templates(folder))


def templates_for(folder: Path, product: Product, preset: Preset | None) -> list[Template]:
    """The preset's templates by name, or every library template for the product's body region."""
    if preset is not None and preset.template_names:
        return [find_template(folder, name) for name in preset.template_names]
    assert product.jewelry_type is not None
    region = REGION_FOR_TYPE[JewelryType(product.jewelry_type)]
    return [t for t in library(folder) if t.annotation.region == region]


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
    image = load_image(storage.read(path), max_pixels=max_pixels)
    photo.width, photo.height = image.width, image.height
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
) -> str | None:
    """Render the run's variations, write their files and upsert one row each; the run's verdict.

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
    record_inspection(photo, inspect_photo(image, cutout))
    session.add(photo)
    session.commit()
    planned = [
        _with_seller_nudge(session, run, variation)
        for variation in plan_variations(variations, run.base_seed, templates)
    ]
    reports = []
    for number, variation in enumerate(planned, start=1):
        progress(0.05 + 0.9 * (number - 1) / len(planned), f"variation {number} of {len(planned)}")
        rendered = pipeline.render_variation(cutout, spec, variation)
        _save_variation(session, storage, run, product, rendered)
        session.commit()  # each finished variation is kept, whatever happens next
        reports.append(rendered.qa)
    return reshoot_verdict(reports)


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
) -> None:
    index = rendered.variation.index
    folder = f"{product.shop_id}/{product.id}/{run.id}"
    render_path = storage.write(f"{folder}/v{index}-render.png", _png(rendered.composite.rgb))
    overlay_path = storage.write(f"{folder}/v{index}-overlay.png", _png(rendered.overlay))
    report = rendered.to_dict()
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


def all_platforms() -> list[str]:
    """Every platform adorn exports for (publish destinations and DAM folders)."""
    return list(PLATFORMS)


def _png(rgb: FloatImage) -> bytes:
    buffer = io.BytesIO()
    to_pil(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def _safe(remote_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in remote_id)[-80:]
