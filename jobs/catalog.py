"""Turning a store's ProductRecord into adorn's Product and SourcePhoto rows."""

from __future__ import annotations

import re
from dataclasses import asdict

from sqlmodel import Session

from imaging.jewelry import JewelryType
from imaging.product_spec import ProductSpec, with_typical_sizes
from imaging.size_text import parse_product_spec
from integrations.copywriter.facts import find_metals, find_stones, plain_text
from integrations.records import ProductRecord
from models.enums import ProductStatus
from models.queries import get_product_by_remote_id, list_source_photos
from models.tables import Product, SourcePhoto

# Most specific first: "chain bracelet" is a bracelet, "pendant necklace" a pendant.
_TYPE_WORDS: tuple[tuple[JewelryType, re.Pattern[str]], ...] = tuple(
    (jewelry_type, re.compile(pattern, re.IGNORECASE))
    for jewelry_type, pattern in (
        (JewelryType.EARRINGS, r"\b(?:earrings?|studs?|hoops?)\b"),
        (JewelryType.RING, r"\brings?\b"),
        (JewelryType.WATCH, r"\bwatch(?:es)?\b"),
        (JewelryType.BANGLE, r"\bbangles?\b"),
        (JewelryType.BRACELET, r"\bbracelets?\b"),
        (JewelryType.PENDANT, r"\bpendants?\b"),
        (JewelryType.NECKLACE, r"\b(?:necklaces?|chains?|chokers?)\b"),
    )
)


def jewelry_type_of(product_type: str | None, tags: tuple[str, ...], title: str) -> str | None:
    """The jewelry type a product's type field, tags or title name (in that order of trust)."""
    for text in (product_type or "", " ".join(tags), title):
        for jewelry_type, pattern in _TYPE_WORDS:
            if pattern.search(text):
                return jewelry_type.value
    return None


def stated_spec(record: ProductRecord, jewelry_type: str) -> tuple[dict[str, float], str | None]:
    """The sizes (mm) the product's own text and single-valued options state, and their source text.

    Options with several values are the sizes a buyer chooses from, so they state no one size.
    """
    options = {name: values[0] for name, values in record.options.items() if len(values) == 1}
    spec = parse_product_spec(
        f"{record.title}\n{record.description_html}", jewelry_type, options=options
    )
    sizes = {
        name: float(value)
        for name, value in asdict(spec).items()
        if isinstance(value, int | float) and name not in spec.assumed
    }
    size_text = "; ".join(dict.fromkeys(spec.matched.values())) or None
    return sizes, size_text


def render_spec(product: Product) -> ProductSpec:
    """The spec to render with: the stated sizes, typical ones filled in (and named as assumed)."""
    if product.jewelry_type is None:
        raise ValueError(f"product {product.id} has no jewelry type: set one before generating")
    stated = {
        name: value
        for name, value in (product.physical_spec or {}).items()
        if name in ProductSpec.__dataclass_fields__
    }
    return with_typical_sizes(ProductSpec(JewelryType(product.jewelry_type), **stated))


def upsert_product(session: Session, shop_id: int, record: ProductRecord) -> tuple[Product, bool]:
    """Create or update the product from the store's record; (product, created).

    A record not newer than what is stored changes nothing (a stale or repeated delivery).
    """
    product = get_product_by_remote_id(session, shop_id, record.remote_id)
    created = product is None
    if product is None:
        product = Product(shop_id=shop_id, remote_id=record.remote_id, title=record.title)
    elif product.remote_updated_at is not None and record.updated_at <= product.remote_updated_at:
        return product, False
    text = "\n".join((record.title, plain_text(record.description_html), *record.tags))
    metals = find_metals(text)
    jewelry_type = jewelry_type_of(record.product_type, record.tags, record.title)
    product.title = record.title
    product.handle = record.handle
    product.product_type = record.product_type or ""
    product.tags = list(record.tags)
    product.description_html = record.description_html
    product.options = [{"name": name, "values": list(v)} for name, v in record.options.items()]
    product.jewelry_type = jewelry_type
    product.metal = metals[0] if metals else None
    product.stones = list(dict.fromkeys(find_stones(text)))
    if jewelry_type is not None:
        product.physical_spec, product.size_text = stated_spec(record, jewelry_type)
    product.remote_updated_at = record.updated_at
    product.deleted_at = None
    if record.status == "archived":
        product.status = ProductStatus.ARCHIVED
    elif product.status == ProductStatus.ARCHIVED:
        product.status = ProductStatus.NEW
    session.add(product)
    session.flush()
    assert product.id is not None
    _sync_photos(session, shop_id, product.id, record)
    return product, created


def _sync_photos(session: Session, shop_id: int, product_id: int, record: ProductRecord) -> None:
    """The seller's own photos (never adorn's published ones) as SourcePhoto rows."""
    stored = {photo.remote_id: photo for photo in list_source_photos(session, shop_id, product_id)}
    seller_images = [image for image in record.images if not image.made_by_adorn]
    for image in seller_images:
        photo = stored.pop(image.remote_id, None)
        if photo is None:
            photo = SourcePhoto(product_id=product_id, remote_id=image.remote_id, url=image.url)
        elif photo.url != image.url:  # the seller replaced the file: inspect it again
            photo.local_path, photo.inspection, photo.grade = None, None, None
        photo.url, photo.position = image.url, image.position
        photo.width, photo.height = image.width, image.height
        session.add(photo)
    for gone in stored.values():
        session.delete(gone)
    session.flush()
