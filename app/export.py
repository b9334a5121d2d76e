"""Export for a DAM or PIM: the approved images in a zip, a folder per platform, and a manifest.csv
of the settings each image was generated with."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from flask import Blueprint, send_file
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.web import db, shop_id, storage
from jobs.storage import FileStorage
from models.enums import ImageStatus
from models.tables import GeneratedImage, GenerationRun, Preset, Product

blueprint = Blueprint("export", __name__)
blueprint.before_request(require_shop)

MANIFEST_COLUMNS = (
    "file",
    "platform",
    "width",
    "height",
    "product_id",
    "product_remote_id",
    "product_title",
    "jewelry_type",
    "preset",
    "template",
    "seed",
    "variation",
    "tier",
    "scale_nudge",
    "offset_nudge_mm",
    "shadows_deg",
)


@dataclass(frozen=True)
class ApprovedImage:
    """An approved image with what it was generated from."""

    image: GeneratedImage
    product: Product
    preset: str


@blueprint.get("/export.zip")
def download() -> Response:
    """The shop's approved images for every platform they were exported for."""
    with db() as session:
        approved = approved_images(session, shop_id())
    archive = build_export_zip(approved, storage())
    return send_file(
        io.BytesIO(archive),
        mimetype="application/zip",
        as_attachment=True,
        download_name="adorn-export.zip",
    )


def approved_images(session: Session, shop_id: int) -> list[ApprovedImage]:
    """The shop's approved images, by product and variation."""
    query = (
        select(GeneratedImage, Product, Preset.name)
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .join(GenerationRun, col(GenerationRun.id) == col(GeneratedImage.run_id))
        .outerjoin(Preset, col(Preset.id) == col(GenerationRun.preset_id))
        .where(Product.shop_id == shop_id, GeneratedImage.status == ImageStatus.APPROVED)
        .order_by(col(Product.id), col(GeneratedImage.run_id), col(GeneratedImage.variation_index))
    )
    return [
        ApprovedImage(image=image, product=product, preset=preset or "default")
        for image, product, preset in session.exec(query)
    ]


def build_export_zip(approved: list[ApprovedImage], files: FileStorage) -> bytes:
    """A zip with <platform>/<file>.jpg per exported image and manifest.csv describing each."""
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # JPEGs do not compress
        for item in approved:
            image, product = item.image, item.product
            for platform, export in sorted(image.qa_report.get("exports", {}).items()):
                stored = export.get("path")
                if not stored or not files.exists(stored):
                    continue
                name = f"{platform}/product-{product.id}-image-{image.id}.jpg"
                archive.writestr(name, files.read(stored))
                writer.writerow(
                    [
                        name,
                        platform,
                        export.get("width", ""),
                        export.get("height", ""),
                        product.id,
                        product.remote_id,
                        _cell(product.title),
                        product.jewelry_type or "",
                        item.preset,
                        image.template_name,
                        image.seed,
                        image.variation_index,
                        image.tier or "",
                        image.scale_nudge,
                        " ".join(str(v) for v in image.offset_nudge_mm),
                        image.qa_report.get("light_deg", ""),
                    ]
                )
        archive.writestr("manifest.csv", manifest.getvalue(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _cell(text: str) -> str:
    """Store text as text: a spreadsheet would run a cell starting with = + - @ as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
