"""Publishing adorn's images to Etsy listings in the sandbox: ranks, limits, retries, republish."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from integrations.errors import StoreError, TransientError
from integrations.etsy.client import RetryPolicy
from integrations.etsy.store import EtsyStore
from integrations.records import ADORN_ALT_MARKER, PublishImage
from integrations.sandbox.etsy.state import SandboxListing
from tests.integrations.etsy.etsy_harness import Connected, EtsySandbox


def render(listing: SandboxListing, slot: int, shade: int) -> PublishImage:
    """A stand-in for one of adorn's exports: a small JPEG that differs per slot and shade."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 120 + slot * 20, 90)).save(buffer, "JPEG")
    return PublishImage(
        data=buffer.getvalue(),
        filename=f"adorn-{listing.listing_id}-v{slot}.jpg",
        alt_text=f"Piece worn on a model, view {slot}",
    )


def listing_with_photos(sandbox: EtsySandbox, count: int) -> SandboxListing:
    return next(x for x in sandbox.state.listings.values() if len(x.images) == count)


def seller_ids(listing: SandboxListing) -> list[int]:
    return [
        x.listing_image_id for x in listing.images if ADORN_ALT_MARKER not in (x.alt_text or "")
    ]


def uploads(sandbox: EtsySandbox) -> int:
    return sum(1 for r in sandbox.state.requests_for("uploadListingImage") if r.status == 201)


def test_publish_ranks_adorn_images_after_the_sellers_photos(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 2)
    seller_before = [(x.listing_image_id, x.data) for x in listing.images]
    images = [render(listing, slot, 10) for slot in (1, 2, 3)]
    result = connected.store.publish_images(str(listing.listing_id), images)
    assert result.failures == () and result.removed_ids == ()
    assert [(x.listing_image_id, x.data) for x in listing.images[:2]] == seller_before
    assert [str(x.listing_image_id) for x in listing.images[2:]] == list(result.image_ids)
    assert [x.data for x in listing.images[2:]] == [image.data for image in images]
    for image, stored in zip(images, listing.images[2:], strict=True):
        assert stored.alt_text is not None and stored.alt_text.startswith(image.alt_text)
        assert ADORN_ALT_MARKER in stored.alt_text
    record = connected.store.get_product(str(listing.listing_id))
    assert [i.made_by_adorn for i in record.images] == [False, False, True, True, True]


def test_publishing_again_uploads_nothing_and_duplicates_nothing(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 1)
    images = [render(listing, slot, 10) for slot in (1, 2)]
    first = connected.store.publish_images(str(listing.listing_id), images)
    again = connected.store.publish_images(str(listing.listing_id), images)
    assert again.image_ids == first.image_ids and again.removed_ids == ()
    assert uploads(sandbox) == 2
    assert len(listing.images) == 3


def test_a_retry_after_a_failed_publish_completes_it_exactly_once(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    connected = connect(retry=RetryPolicy(max_retries=1, backoff_s=0.01))
    listing = listing_with_photos(sandbox, 2)
    images = [render(listing, slot, 10) for slot in (1, 2, 3)]
    connected.store.publish_images(str(listing.listing_id), images[:1])  # one is up already
    # The listing read and the second upload pass; both tries of the third answer 503.
    sandbox.state.fail_after_requests = 2
    sandbox.state.fail_next_requests = 2
    with pytest.raises(TransientError):
        connected.store.publish_images(str(listing.listing_id), images)
    assert len(listing.images) == 4
    result = connected.store.publish_images(str(listing.listing_id), images)
    assert len(listing.images) == 5
    assert [str(x.listing_image_id) for x in listing.images[2:]] == list(result.image_ids)
    assert [x.data for x in listing.images[2:]] == [image.data for image in images]
    assert uploads(sandbox) == 3


def test_republish_replaces_adorns_images_and_never_the_sellers(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 3)
    sellers = seller_ids(listing)
    first = connected.store.publish_images(
        str(listing.listing_id), [render(listing, slot, 10) for slot in (1, 2)]
    )
    new_images = [render(listing, slot, 200) for slot in (1, 2)]
    second = connected.store.publish_images(str(listing.listing_id), new_images)
    assert set(second.removed_ids) == set(first.image_ids)
    assert not set(second.image_ids) & set(first.image_ids)
    assert [x.listing_image_id for x in listing.images[:3]] == sellers
    assert [x.data for x in listing.images[3:]] == [image.data for image in new_images]
    assert len(listing.images) == 5


def test_image_limit_drops_adorns_extras_and_reports_them(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    sandbox.state.image_limit = 5
    connected = connect(image_limit=5)
    listing = listing_with_photos(sandbox, 3)
    images = [render(listing, slot, 10) for slot in (1, 2, 3, 4)]
    result = connected.store.publish_images(str(listing.listing_id), images)
    assert len(result.image_ids) == 2
    assert result.notes and "2 of adorn's 4 images left out" in result.notes[0]
    assert [x.data for x in listing.images[3:]] == [images[0].data, images[1].data]
    assert len(listing.images) == 5


def test_republish_at_the_limit_makes_room_from_adorns_old_images_only(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    sandbox.state.image_limit = 5
    connected = connect(image_limit=5)
    listing = listing_with_photos(sandbox, 3)
    sellers = seller_ids(listing)
    connected.store.publish_images(
        str(listing.listing_id), [render(listing, slot, 10) for slot in (1, 2)]
    )
    new_images = [render(listing, slot, 200) for slot in (1, 2)]
    result = connected.store.publish_images(str(listing.listing_id), new_images)
    assert result.failures == ()
    assert seller_ids(listing) == sellers == [x.listing_image_id for x in listing.images[:3]]
    assert [x.data for x in listing.images[3:]] == [image.data for image in new_images]


def test_a_refused_image_is_reported_and_its_earlier_version_kept(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 1)
    old = [render(listing, slot, 10) for slot in (1, 2)]
    connected.store.publish_images(str(listing.listing_id), old)
    broken = PublishImage(b"not a jpeg at all", old[1].filename, "view 2")
    result = connected.store.publish_images(
        str(listing.listing_id), [render(listing, 1, 200), broken]
    )
    assert len(result.failures) == 1
    assert "could not be read" in result.failures[0] and old[1].filename in result.failures[0]
    assert [x.data for x in listing.images[1:]] == [render(listing, 1, 200).data, old[1].data]


def test_a_listing_without_the_sellers_own_photo_gets_nothing(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 1)
    listing.images.clear()
    result = connected.store.publish_images(str(listing.listing_id), [render(listing, 1, 10)])
    assert result.image_ids == () and "no photo of its own" in result.failures[0]
    assert uploads(sandbox) == 0


def test_stray_duplicates_of_adorns_images_are_cleaned_up(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 1)
    images = [render(listing, 1, 10)]
    result = connected.store.publish_images(str(listing.listing_id), images)
    duplicate = listing.images[1]
    connected.client.upload_listing_image(  # as if a lost answer had been retried elsewhere
        sandbox.shop.shop_id,
        listing.listing_id,
        duplicate.data,
        "dup.jpg",
        alt_text=duplicate.alt_text or "",
    )
    assert len(listing.images) == 3
    again = connected.store.publish_images(str(listing.listing_id), images)
    assert again.image_ids == result.image_ids and len(again.removed_ids) == 1
    assert len(listing.images) == 2


def test_download_image_reads_the_sellers_photo_from_the_image_host(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = listing_with_photos(sandbox, 2)
    record = connected.store.get_product(str(listing.listing_id))
    assert connected.store.download_image(record.images[1].url) == listing.images[1].data


def test_download_image_refuses_other_hosts_private_addresses_and_big_files(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    listing = listing_with_photos(sandbox, 1)
    url = connect().store.get_product(str(listing.listing_id)).images[0].url
    with pytest.raises(StoreError, match="not an Etsy image host"):
        connect().store.download_image("https://evil.example/il_fullxfull.jpg")
    with pytest.raises(StoreError, match="the limit is 100"):
        connect(max_image_bytes=100).store.download_image(url)
    # As constructed for production, but with the sandbox's host on the list.
    strict = EtsyStore(connect().client, sandbox.shop.shop_id, image_hosts=("127.0.0.1",))
    with pytest.raises(StoreError, match="only https"):
        strict.download_image(url)
    with pytest.raises(StoreError, match=r"resolves to 127\.0\.0\.1"):
        strict.download_image(url.replace("http://", "https://"))
