"""Platform-neutral records: what adorn knows of a store's products, whichever platform they live on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    SHOPIFY = "shopify"
    ETSY = "etsy"


@dataclass(frozen=True)
class ImageRecord:
    """A product photo on the platform."""

    remote_id: str  # Shopify MediaImage gid, Etsy listing_image_id
    url: str
    width: int | None
    height: int | None
    alt: str | None
    position: int  # 0 = the first (main) image
    made_by_adorn: bool = False  # recognised from adorn's own alt-text marker or file name


@dataclass(frozen=True)
class VariantRecord:
    remote_id: str
    sku: str | None
    options: dict[str, str]  # option name -> value, e.g. {"Length": "18 in"}


@dataclass(frozen=True)
class ProductRecord:
    """One product (Shopify) or listing (Etsy), mapped to what adorn needs."""

    platform: Platform
    remote_id: str  # Shopify Product gid, Etsy listing_id
    title: str
    handle: str | None
    product_type: str | None
    tags: tuple[str, ...]
    description_html: str
    options: dict[str, tuple[str, ...]]  # option name -> values
    variants: tuple[VariantRecord, ...]
    images: tuple[ImageRecord, ...]
    updated_at: datetime
    status: str = "active"  # active, draft, archived...


@dataclass(frozen=True)
class PublishImage:
    """One generated image to attach to a product."""

    data: bytes  # the exported JPEG
    filename: str  # stable per product and variation, e.g. adorn-<product>-v1.jpg
    alt_text: str
    mime_type: str = "image/jpeg"


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: remote ids of adorn's images now on the product, and what it removed."""

    image_ids: tuple[str, ...]
    removed_ids: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()  # one sentence per image the platform refused, with its reason
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ListingCopy:
    """Copy to write back to a listing; None fields are left as they are."""

    title: str | None = None
    description_html: str | None = None  # Shopify descriptionHtml; Etsy gets it as plain text
    tags: tuple[str, ...] | None = None


# Alt texts of adorn's images carry this marker so a republish can find and replace exactly them,
# never the seller's own photos.
ADORN_ALT_MARKER = "[adorn]"
