"""Every request the Etsy client makes matches Etsy's OpenAPI file; the sandbox refuses the rest."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from integrations.records import ListingCopy, PublishImage
from integrations.store import StoreClient
from tests.integrations.etsy.etsy_harness import KEYSTRING, SHARED_SECRET, Connected, EtsySandbox

CLIENT_OPERATIONS = {
    "getMe",
    "getShop",
    "getListingsByShop",
    "getListing",
    "getListingInventory",
    "getListingImages",
    "uploadListingImage",
    "deleteListingImage",
    "updateListing",
}


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (shade, 80, 80)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_whole_session_of_client_requests_passes_the_contract(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    store: StoreClient = connected.store  # mypy checks EtsyStore against the protocol
    me = connected.client.get_me()
    assert me == {"user_id": sandbox.shop.user_id, "shop_id": sandbox.shop.shop_id}
    assert connected.client.get_shop(me["shop_id"])["shop_name"] == sandbox.shop.shop_name
    records = list(store.list_products())
    record = store.get_product(records[0].remote_id)
    for shade in (10, 200):  # publish, then republish (uploads and deletes)
        images = [PublishImage(jpeg(shade), f"adorn-{record.remote_id}-v1.jpg", "On a model")]
        assert store.publish_images(record.remote_id, images).failures == ()
    store.update_copy(
        record.remote_id, ListingCopy(title="New title", description_html="<p>x</p>", tags=("a",))
    )
    log = sandbox.state.requests
    assert [(r.method, r.path, r.status) for r in log if r.status >= 400] == []
    assert {r.operation_id for r in log} == CLIENT_OPERATIONS


@pytest.fixture
def auth(connected: Connected) -> dict[str, str]:
    return {
        "x-api-key": f"{KEYSTRING}:{SHARED_SECRET}",
        "Authorization": f"Bearer {connected.keeper.access_token()}",
    }


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "expected"),
    [
        ("GET", "{shop}/listings", {"params": {"includes": "Variations"}}, 400, "must be one of"),
        ("GET", "{shop}/listings", {"params": {"status": "active"}}, 400, "unknown query"),
        ("GET", "{shop}/listings", {"params": {"limit": 500}}, 400, "at most 100"),
        ("GET", "/listings/{listing}", {"params": {"includes": "Inventory"}}, 400, "one of"),
        ("PATCH", "{shop}/listings/{listing}", {"json": {"title": "x"}}, 400, "Etsy expects"),
        ("PATCH", "{shop}/listings/{listing}", {"data": {"descripton": "x"}}, 400, "unknown field"),
        ("DELETE", "{shop}/listings", {}, 400, "method not allowed"),
        ("GET", "{shop}/lists", {}, 400, "no such Etsy API path"),
        ("GET", "/shops/my-shop", {}, 400, "must be an integer"),
        (
            "POST",
            "{shop}/listings/{listing}/images",
            {"files": {"image": ("a.jpg", b"x", "image/jpeg")}, "data": {"overwrite": "True"}},
            400,
            "overwrite must be true or false",
        ),
        (
            "POST",
            "{shop}/listings/{listing}/images",
            {"files": {"image": ("a.jpg", b"not an image", "image/jpeg")}},
            400,
            "could not be read",
        ),
        (
            "POST",
            "{shop}/listings/{listing}/images",
            {"files": {"image": ("a.jpg", jpeg(1), "image/jpeg")}, "data": {"alt_text": "a" * 501}},
            400,
            "longer than 500",
        ),
        ("PATCH", "{shop}/listings/{listing}", {"data": {"materials": "gold"}}, 400, "not emulate"),
        ("GET", "/openapi-ping", {}, 501, "does not emulate ping"),
    ],
)
def test_the_sandbox_refuses_requests_etsy_would_refuse(
    sandbox: EtsySandbox,
    auth: dict[str, str],
    method: str,
    path: str,
    kwargs: dict[str, object],
    status: int,
    expected: str,
) -> None:
    listing = next(x for x in sandbox.state.listings.values() if x.state == "active")
    before = (listing.title, listing.description, len(listing.images))
    url = (
        sandbox.base_url
        + "/v3/application"
        + path.format(shop=f"/shops/{sandbox.shop.shop_id}", listing=listing.listing_id)
    )
    response = requests.request(method, url, headers=auth, timeout=5, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert expected in response.json()["error"]
    assert (listing.title, listing.description, len(listing.images)) == before
    assert response.headers["x-limit-per-second"] == str(sandbox.state.per_second_limit)


def test_the_sandbox_checks_the_key_the_token_and_the_shop(
    sandbox: EtsySandbox, auth: dict[str, str]
) -> None:
    listings = f"{sandbox.base_url}/v3/application/shops/{sandbox.shop.shop_id}/listings"

    def get(url: str, headers: dict[str, str]) -> requests.Response:
        return requests.get(url, headers=headers, timeout=5)

    assert get(listings, auth).status_code == 200
    no_key = {"Authorization": auth["Authorization"]}
    assert "missing the x-api-key header" in get(listings, no_key).json()["error"]
    wrong_key = {**auth, "x-api-key": f"{KEYSTRING}:not-the-secret"}
    assert get(listings, wrong_key).status_code == 403
    no_token = {"x-api-key": auth["x-api-key"]}
    assert "Authorization: Bearer" in get(listings, no_token).json()["error"]
    bad_token = {**auth, "Authorization": "Bearer 1.forged"}
    assert get(listings, bad_token).status_code == 401
    other = sandbox.state.add_seller("other-owner", "OtherShop")
    foreign = f"{sandbox.base_url}/v3/application/shops/{other.shop_id}/listings"
    assert get(foreign, auth).status_code == 403
    # Public operations need the key only.
    public = f"{sandbox.base_url}/v3/application/shops/{sandbox.shop.shop_id}"
    assert get(public, no_token).status_code == 200
