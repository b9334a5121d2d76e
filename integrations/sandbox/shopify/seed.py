"""Sample shops and jewelry catalogs for the Shopify sandbox (the demo, tests and load runs).

Photos come from imaging.samples.products, which draws each piece with its true sizes and
writes a title and description that state them. Drawing is slow, so photos are cached by
kind, metal, background and size: seeding thousands of products re-uses a few dozen photos.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from imaging.image_io import to_pil
from imaging.samples.products import JEWELRY_TYPE_OF_KIND, Metal, SampleKind, make_product_photo
from integrations.sandbox.shopify.media import CDN_PREFIX
from integrations.sandbox.shopify.state import (
    SandboxMedia,
    SandboxProduct,
    SandboxShop,
    SandboxVariant,
    ShopifySandboxState,
)

BACKGROUNDS = ("white", "light_grey")

# The option a seller offers per kind, with its values (one variant per value).
OPTIONS: dict[SampleKind, tuple[str, tuple[str, ...]]] = {
    SampleKind.RING: ("Ring size", ("US 6", "US 7", "US 8")),
    SampleKind.PENDANT_NECKLACE: ("Chain length", ("16 in", "18 in", "20 in")),
    SampleKind.CHAIN: ("Length", ("18 in", "20 in", "24 in")),
    SampleKind.STUD_EARRINGS: ("Title", ("Default Title",)),
    SampleKind.DROP_EARRINGS: ("Title", ("Default Title",)),
    SampleKind.BANGLE: ("Size", ("S", "M", "L")),
    SampleKind.CHAIN_BRACELET: ("Length", ("6.5 in", "7 in", "7.5 in")),
    SampleKind.WATCH: ("Strap", ("Leather", "Steel mesh")),
}


@dataclass(frozen=True)
class _Photo:
    jpeg: bytes
    width: int
    height: int
    title: str
    description: str


def make_shop(state: ShopifySandboxState, domain: str, name: str | None = None) -> SandboxShop:
    """Add an empty shop served under /shops/<domain>/ (or return the one already there)."""
    with state.lock:
        if domain not in state.shops:
            shop_name = name or domain.removesuffix(".myshopify.com").replace("-", " ").title()
            state.shops[domain] = SandboxShop(domain=domain, name=shop_name)
        return state.shops[domain]


def seed_catalog(
    state: ShopifySandboxState, shop: str, count: int = 24, photo_px: int = 1600, seed: int = 0
) -> list[SandboxProduct]:
    """Add `count` products to `shop`, cycling through every kind, metal and background.

    Each has one photo, a title and description with sizes, an option with variants and SKUs,
    tags and a productType. updated_at runs a minute apart, oldest first.
    """
    pieces = itertools.cycle(itertools.product(BACKGROUNDS, Metal, SampleKind))
    start = datetime.now(UTC) - timedelta(minutes=count)
    products = []
    for index, (background, metal, kind) in zip(range(count), pieces, strict=False):
        photo = _photo(kind, metal, background, photo_px, seed)
        products.append(
            _add_product(state, shop, kind, metal, photo, start + timedelta(minutes=index))
        )
    return products


def touch_product(state: ShopifySandboxState, shop: str, product_id: str) -> SandboxProduct:
    """Record an edit of a product by the seller: its updated_at becomes now."""
    with state.lock:
        product = state.shops[shop].products[product_id]
        product.updated_at = datetime.now(UTC)
        return product


def seller_creates_product(
    state: ShopifySandboxState,
    shop: str,
    kind: SampleKind,
    metal: Metal,
    background: str = "white",
    photo_px: int = 1600,
) -> tuple[SandboxProduct, threading.Thread | None]:
    """A product the seller adds in the admin; subscribers get products/create, as from Shopify.

    Delivery runs on its own thread, as Shopify's does after the change; join it to wait for it.
    """
    photo = _photo(kind, metal, background, photo_px, 0)
    product = _add_product(state, shop, kind, metal, photo, datetime.now(UTC))
    return product, _notify(state, shop, "products/create", product)


def seller_edits_product(
    state: ShopifySandboxState, shop: str, product_id: str
) -> tuple[SandboxProduct, threading.Thread | None]:
    """An edit in the admin; subscribers get products/update."""
    product = touch_product(state, shop, product_id)
    return product, _notify(state, shop, "products/update", product)


def _notify(
    state: ShopifySandboxState, shop: str, topic: str, product: SandboxProduct
) -> threading.Thread | None:
    from integrations.sandbox.shopify.oauth import deliver_webhook

    subscription_topic = topic.upper().replace("/", "_")
    with state.lock:
        if not any(w.topic == subscription_topic for w in state.shops[shop].webhooks):
            return None
    payload = {
        "id": int(product.id.rsplit("/", 1)[1]),
        "admin_graphql_api_id": product.id,
        "title": product.title,
        "handle": product.handle,
        "product_type": product.product_type,
        "updated_at": product.updated_at.isoformat(),
    }
    thread = threading.Thread(
        target=deliver_webhook, args=(state, shop, topic, payload), name=f"webhook-{topic}"
    )
    thread.start()
    return thread


def _add_product(
    state: ShopifySandboxState,
    shop: str,
    kind: SampleKind,
    metal: Metal,
    photo: _Photo,
    updated_at: datetime,
) -> SandboxProduct:
    number = state.new_id()
    option, values = OPTIONS[kind]
    sku_stem = f"AD-{kind.value[:3].upper()}-{metal.value[:2].upper()}-{number}"
    variants = [
        SandboxVariant(
            id=f"gid://shopify/ProductVariant/{state.new_id()}",
            title=value,
            sku=f"{sku_stem}-{position}",
            selected_options={option: value},
        )
        for position, value in enumerate(values, start=1)
    ]
    media_number = state.new_id()
    title = photo.title[0].upper() + photo.title[1:]
    image = SandboxMedia(
        id=f"gid://shopify/MediaImage/{media_number}",
        url=f"{CDN_PREFIX}{shop}/products/{media_number}/{kind.value}-{metal.value}.jpg",
        alt=title,
        status="READY",
        width=photo.width,
        height=photo.height,
        file_bytes=photo.jpeg,
    )
    jewelry_type = JEWELRY_TYPE_OF_KIND[kind]
    product = SandboxProduct(
        id=f"gid://shopify/Product/{number}",
        title=title,
        handle=f"{_slug(photo.title)}-{number}",
        product_type=jewelry_type.value.title(),
        tags=list(dict.fromkeys([metal.label, jewelry_type.value, kind.value.replace("_", " ")])),
        description_html=f"<p>{html.escape(photo.description)}</p>",
        options={option: list(values)},
        variants=variants,
        media=[image],
        status="active",
        created_at=updated_at,
        updated_at=updated_at,
    )
    with state.lock:
        state.shops[shop].products[product.id] = product
    return product


@lru_cache(maxsize=128)
def _photo(kind: SampleKind, metal: Metal, background: str, photo_px: int, seed: int) -> _Photo:
    photo = make_product_photo(kind, metal, background, long_edge_px=photo_px, seed=seed)
    image = to_pil(photo.rgb)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return _Photo(buffer.getvalue(), image.width, image.height, photo.title, photo.description)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
