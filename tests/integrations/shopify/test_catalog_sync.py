"""Catalog sync and image downloads through ShopifyStore, against the sandbox over HTTP."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from integrations.errors import StoreError
from integrations.records import Platform
from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.seed import seed_catalog, touch_product
from integrations.shopify.catalog import iter_products
from integrations.shopify.store import ShopifyStore
from tests.integrations.shopify.sandbox_fixtures import AdminSandbox

FAST_BUCKET = BucketSettings(maximum=1000, restore_rate=5000)


def _sandbox_store(
    sandbox: AdminSandbox, http: requests.Session, **options: object
) -> ShopifyStore:
    return ShopifyStore(
        sandbox.client(http),
        http,
        image_hosts=("127.0.0.1",),
        allow_private_addresses=True,
        **options,  # type: ignore[arg-type]
    )


def test_sync_sixty_products_across_pages(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seeded = seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=60, photo_px=96)
    admin_sandbox.set_bucket(FAST_BUCKET, available=1000)
    client = admin_sandbox.client(admin_http)
    records = list(iter_products(client, page_size=10))
    assert client.stats.documents["products_page"] == 6
    assert [r.remote_id for r in records] == [p.id for p in seeded]
    assert {r.product_type for r in records} >= {"Ring", "Necklace", "Earrings", "Watch"}
    for record, product in zip(records, seeded, strict=True):
        assert record.platform == Platform.SHOPIFY
        assert record.title == product.title and "mm" in record.description_html
        assert [v.sku for v in record.variants] == [v.sku for v in product.variants]
        assert record.options == {k: tuple(v) for k, v in product.options.items()}
        assert len(record.images) == 1 and not record.images[0].made_by_adorn
        assert record.updated_at == product.updated_at


def test_incremental_sync_returns_only_updated_products(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seeded = seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=12, photo_px=96)
    admin_sandbox.set_bucket(FAST_BUCKET, available=1000)
    cutoff = datetime.now(UTC)
    time.sleep(0.01)
    touched = {touch_product(admin_sandbox.state, admin_sandbox.shop, p.id).id for p in seeded[3:5]}
    store = _sandbox_store(admin_sandbox, admin_http)
    assert {r.remote_id for r in store.list_products(updated_since=cutoff)} == touched


def test_get_product_and_a_missing_one(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seeded = seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=2, photo_px=96)
    store = _sandbox_store(admin_sandbox, admin_http)
    assert store.get_product(seeded[1].id).title == seeded[1].title
    with pytest.raises(StoreError, match="does not exist"):
        store.get_product("gid://shopify/Product/1")


def test_download_image_from_the_cdn(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seeded = seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=1, photo_px=96)
    store = _sandbox_store(admin_sandbox, admin_http)
    url = store.get_product(seeded[0].id).images[0].url
    with Image.open(io.BytesIO(store.download_image(url))) as image:
        assert image.format == "JPEG" and max(image.size) == 96


def test_download_refuses_other_hosts_private_addresses_and_big_files(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seeded = seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=1, photo_px=96)
    url = _sandbox_store(admin_sandbox, admin_http).get_product(seeded[0].id).images[0].url
    with pytest.raises(StoreError, match="not an image host"):
        ShopifyStore(admin_sandbox.client(admin_http), admin_http).download_image(url)
    strict = ShopifyStore(admin_sandbox.client(admin_http), admin_http, image_hosts=("127.0.0.1",))
    with pytest.raises(StoreError, match="https"):
        strict.download_image(url)
    with pytest.raises(StoreError, match="private address"):
        strict.download_image(url.replace("http://", "https://"))
    tiny_limit = _sandbox_store(admin_sandbox, admin_http, max_image_bytes=100)
    with pytest.raises(StoreError, match="larger than 100 bytes"):
        tiny_limit.download_image(url)
