"""Publishing adorn's images and copy to a sandbox product over HTTP: READY, no duplicates,
the seller's photo untouched, and clear errors when Shopify refuses a file."""

from __future__ import annotations

import io
import time

import pytest
import requests
from PIL import Image

from integrations.errors import StoreError, TransientError
from integrations.records import ADORN_ALT_MARKER, ListingCopy, PublishImage
from integrations.sandbox.shopify.seed import seed_catalog
from integrations.sandbox.shopify.state import SandboxMedia, SandboxProduct
from integrations.shopify.graphql_client import AdminClient
from integrations.shopify.publish import publish_images, update_copy
from tests.integrations.shopify.sandbox_fixtures import AdminSandbox


def _jpeg(red: int, green: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (red, green, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _renders(version: int) -> list[PublishImage]:
    return [
        PublishImage(
            _jpeg(60 * index, 60 * version), f"adorn-ring-v{index}.jpg", f"Ring on model {index}"
        )
        for index in range(3)
    ]


def _product(sandbox: AdminSandbox) -> SandboxProduct:
    return seed_catalog(sandbox.state, sandbox.shop, count=1, photo_px=96)[0]


def _adorn_media(product: SandboxProduct) -> list[SandboxMedia]:
    return [m for m in product.media if ADORN_ALT_MARKER in (m.alt or "")]


def _publish(
    client: AdminClient, http: requests.Session, product_id: str, images: list[PublishImage]
) -> object:
    return publish_images(client, http, product_id, images, poll_interval_s=0.02)


def test_publish_three_images_ready_with_alt_text(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    seller_photo = product.media[0]
    client = admin_sandbox.client(admin_http)
    result = publish_images(client, admin_http, product.id, _renders(1), poll_interval_s=0.02)
    assert result.failures == () and result.removed_ids == ()
    adorn = _adorn_media(product)
    assert [m.id for m in adorn] == list(result.image_ids)
    assert all(m.status == "READY" for m in adorn)
    assert [m.alt for m in adorn] == [f"Ring on model {i} {ADORN_ALT_MARKER}" for i in range(3)]
    assert product.media[0] is seller_photo  # the seller's photo stays first


def test_publishing_the_same_images_again_adds_nothing(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    seller_photo = product.media[0]
    first = _publish(admin_sandbox.client(admin_http), admin_http, product.id, _renders(1))
    again_client = admin_sandbox.client(admin_http)
    second = _publish(again_client, admin_http, product.id, _renders(1))
    assert second == first
    assert len(_adorn_media(product)) == 3
    assert again_client.stats.documents["staged_uploads_create"] == 0
    assert product.media[0] is seller_photo and seller_photo.status == "READY"


def test_republish_replaces_adorns_images_only(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    seller_photo = product.media[0]
    client = admin_sandbox.client(admin_http)
    first = publish_images(client, admin_http, product.id, _renders(1), poll_interval_s=0.02)
    second = publish_images(client, admin_http, product.id, _renders(2), poll_interval_s=0.02)
    assert set(second.removed_ids) == set(first.image_ids)
    assert [m.id for m in _adorn_media(product)] == list(second.image_ids)
    assert product.media == [seller_photo, *_adorn_media(product)]


def test_retry_after_a_crash_before_cleanup_does_not_duplicate(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    client = admin_sandbox.client(admin_http)
    publish_images(client, admin_http, product.id, _renders(1), poll_interval_s=0.02)
    # The new images are attached, then the job dies while Shopify still processes them.
    admin_sandbox.state.media_processing_s = 0.3
    with pytest.raises(TransientError, match="still processing"):
        publish_images(
            client,
            admin_http,
            product.id,
            _renders(2),
            poll_interval_s=0.02,
            processing_timeout_s=0,
        )
    assert len(_adorn_media(product)) == 6  # old ones kept: the product is never left bare
    time.sleep(0.35)
    retry_client = admin_sandbox.client(admin_http)
    result = publish_images(retry_client, admin_http, product.id, _renders(2), poll_interval_s=0.02)
    assert retry_client.stats.documents["staged_uploads_create"] == 0
    assert len(result.removed_ids) == 3
    assert [m.id for m in _adorn_media(product)] == list(result.image_ids)


def test_corrupt_image_fails_with_the_reason_and_removes_nothing_else(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    client = admin_sandbox.client(admin_http)
    first = publish_images(client, admin_http, product.id, _renders(1), poll_interval_s=0.02)
    broken = [
        *_renders(2)[:2],
        PublishImage(b"\xff\xd8 not really a jpeg", "adorn-ring-v2.jpg", "Ring"),
    ]
    result = publish_images(client, admin_http, product.id, broken, poll_interval_s=0.02)
    assert len(result.failures) == 1
    assert result.failures[0].startswith("adorn-ring-v2.jpg: ")
    assert "corrupt" in result.failures[0]
    remaining = {m.id for m in product.media}
    assert set(first.image_ids) <= remaining  # earlier renders kept, nothing replaced them
    assert product.media[0].alt and ADORN_ALT_MARKER not in product.media[0].alt
    assert all(m.status == "READY" for m in product.media)  # the failed media was cleaned up
    assert set(result.removed_ids).isdisjoint(remaining)


def test_refused_staged_upload_attaches_nothing(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    class ExpiredTargets(dict[str, bytes | None]):
        """Upload targets that are forgotten as soon as they are issued."""

        def __setitem__(self, key: str, value: bytes | None) -> None:
            if value is not None:
                super().__setitem__(key, value)

    admin_sandbox.state.staged_uploads = ExpiredTargets()
    product = _product(admin_sandbox)
    media_before = list(product.media)
    client = admin_sandbox.client(admin_http)
    with pytest.raises(StoreError, match=r"refused adorn-ring-v0\.jpg \(HTTP 403\)"):
        publish_images(client, admin_http, product.id, _renders(1), poll_interval_s=0.02)
    assert client.stats.documents["product_update"] == 0
    assert product.media == media_before


def test_put_upload_targets_work_too(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    client = admin_sandbox.client(admin_http)
    result = publish_images(
        client, admin_http, product.id, _renders(1), upload_method="PUT", poll_interval_s=0.02
    )
    assert result.failures == () and len(result.image_ids) == 3


def test_update_copy_writes_only_what_is_given(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    product = _product(admin_sandbox)
    title = product.title
    update_copy(
        admin_sandbox.client(admin_http),
        product.id,
        ListingCopy(description_html="<p>18.2 mm inner diameter.</p>", tags=("ring", "gold")),
    )
    assert product.description_html == "<p>18.2 mm inner diameter.</p>"
    assert product.tags == ["ring", "gold"] and product.title == title
