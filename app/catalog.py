"""What the dashboard shows, read in a few queries, each limited to one shop's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from models.enums import ImageStatus
from models.queries import list_products
from models.tables import GeneratedImage, GenerationRun, Preset, Product, SourcePhoto


@dataclass(frozen=True)
class Advice:
    """One finding of a source photo's inspection that asks the seller to act."""

    status: str  # "warn" or "reshoot"
    message: str


@dataclass(frozen=True)
class CatalogRow:
    """A product with its first source photo's grade and what to reshoot, and why."""

    product: Product
    photo_id: int | None
    grade: str | None
    advice: tuple[Advice, ...]


@dataclass(frozen=True)
class CostRow:
    """Generations per approved image for one jewelry type and preset."""

    jewelry_type: str
    preset: str
    generated: int
    approved: int

    @property
    def per_approved(self) -> float | None:
        """Images generated for each one the seller approved; None before any approval."""
        return self.generated / self.approved if self.approved else None


def catalog_rows(session: Session, shop_id: int) -> list[CatalogRow]:
    """The shop's products in id order, each with its first source photo's inspection."""
    photos = session.exec(
        select(SourcePhoto)
        .join(Product, col(Product.id) == col(SourcePhoto.product_id))
        .where(Product.shop_id == shop_id)
        .order_by(col(SourcePhoto.product_id), col(SourcePhoto.position), col(SourcePhoto.id))
    )
    first_photo: dict[int, SourcePhoto] = {}
    for photo in photos:
        first_photo.setdefault(photo.product_id, photo)
    rows = []
    for product in list_products(session, shop_id):
        first = first_photo.get(product.id or 0)
        rows.append(
            CatalogRow(
                product=product,
                photo_id=first.id if first else None,
                grade=first.grade if first else None,
                advice=_advice(first.inspection if first else None),
            )
        )
    return rows


def generation_cost(session: Session, shop_id: int) -> list[CostRow]:
    """Generated and approved image counts per jewelry type and preset, for the shop."""
    approved = func.sum(case((col(GeneratedImage.status) == ImageStatus.APPROVED, 1), else_=0))
    query = (
        select(
            Product.jewelry_type,
            Preset.name,
            func.count(col(GeneratedImage.id)),
            approved,
        )
        .select_from(GeneratedImage)
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .join(GenerationRun, col(GenerationRun.id) == col(GeneratedImage.run_id))
        .outerjoin(Preset, col(Preset.id) == col(GenerationRun.preset_id))
        .where(Product.shop_id == shop_id)
        .group_by(col(Product.jewelry_type), col(Preset.name))
        .order_by(col(Product.jewelry_type), col(Preset.name))
    )
    return [
        CostRow(
            jewelry_type=jewelry_type or "unknown",
            preset=preset or "default",
            generated=int(generated),
            approved=int(approved_count or 0),
        )
        for jewelry_type, preset, generated, approved_count in session.exec(query)
    ]


def _advice(inspection: dict[str, Any] | None) -> tuple[Advice, ...]:
    findings = (inspection or {}).get("findings", [])
    return tuple(
        Advice(status=str(f.get("status")), message=str(f.get("message", "")))
        for f in findings
        if f.get("status") in ("warn", "reshoot")
    )
