"""Etsy requests are checked against the Open API v3 file: what matches passes, the rest is named."""

from __future__ import annotations

import pytest

from integrations.contracts.etsy_openapi import (
    EtsySpec,
    check_request,
    find_operation,
    operation_id_for,
)

API = "https://openapi.etsy.com"
LISTINGS = "/v3/application/shops/42/listings"
LISTING = "/v3/application/shops/42/listings/1001"
AUTH = {"x-api-key": "keystring:shared-secret", "Authorization": "Bearer 42.access-token"}
PNG = ("render.png", b"\x89PNG\r\n\x1a\n", "image/png")


def test_sync_listings_request_passes(etsy_spec: EtsySpec) -> None:
    query = {
        "state": "draft",
        "includes": ["Images", "Inventory"],
        "limit": 100,
        "offset": 0,
        "sort_on": "updated",
    }
    assert check_request(etsy_spec, "GET", API + LISTINGS, query, AUTH, None, None) == []


def test_query_string_in_the_url_is_checked_too(etsy_spec: EtsySpec) -> None:
    url = API + LISTINGS + "?state=active&includes=Images,Inventory"
    assert check_request(etsy_spec, "GET", url, {}, AUTH, None, None) == []
    problems = check_request(etsy_spec, "GET", url + "&includes=Variations", {}, AUTH, None, None)
    assert len(problems) == 1
    assert "includes must be one of" in problems[0]


def test_upload_listing_image_multipart_passes(etsy_spec: EtsySpec) -> None:
    fields = {"image": PNG, "rank": 4, "overwrite": "true", "alt_text": "Pendant on a model"}
    problems = check_request(
        etsy_spec,
        "POST",
        API + LISTING + "/images",
        {},
        AUTH,
        fields,
        "multipart/form-data; boundary=adorn",
    )
    assert problems == []


def test_update_listing_description_form_encoded_passes(etsy_spec: EtsySpec) -> None:
    fields = {"description": "Sterling silver pendant, 18 mm."}
    content_type = "application/x-www-form-urlencoded"
    assert check_request(etsy_spec, "PATCH", LISTING, {}, AUTH, fields, content_type) == []


def test_get_me_passes(etsy_spec: EtsySpec) -> None:
    assert check_request(etsy_spec, "GET", "/v3/application/users/me", {}, AUTH, None, None) == []


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "fields", "content_type", "expected"),
    [
        ("DELETE", LISTINGS, {}, AUTH, None, None, "method not allowed (Etsy allows GET, POST)"),
        ("GET", "/v3/application/shops/42/lists", {}, AUTH, None, None, "no such Etsy API path"),
        (
            "GET",
            LISTINGS,
            {"status": "active"},
            AUTH,
            None,
            None,
            "unknown query parameter 'status'",
        ),
        (
            "GET",
            "/v3/application/listings/batch",
            {},
            AUTH,
            None,
            None,
            "missing required query parameter 'listing_ids'",
        ),
        (
            "PATCH",
            LISTING,
            {},
            AUTH,
            {"description": "x"},
            "application/json",
            "content type application/json is not accepted; "
            "Etsy expects application/x-www-form-urlencoded",
        ),
        (
            "PATCH",
            LISTING,
            {},
            AUTH,
            {"descripton": "x"},
            "application/x-www-form-urlencoded",
            "unknown field 'descripton' in body",
        ),
        (
            "POST",
            LISTING + "/images",
            {},
            AUTH,
            {"image": PNG, "overwrite": True},
            "multipart/form-data",
            "body.overwrite must be true or false, not True",
        ),
        (
            "GET",
            "/v3/application/shops/my-shop",
            {},
            AUTH,
            None,
            None,
            "shop_id must be an integer",
        ),
        ("GET", LISTINGS, {"limit": 500}, AUTH, None, None, "limit must be at most 100"),
        ("GET", LISTINGS, {"state": "live"}, AUTH, None, None, "state must be one of"),
        ("GET", LISTINGS, {"state": ["active", "draft"]}, AUTH, None, None, "given 2 times"),
        (
            "GET",
            LISTINGS,
            {},
            {"Authorization": AUTH["Authorization"]},
            None,
            None,
            "missing the x-api-key header",
        ),
        (
            "GET",
            LISTINGS,
            {},
            {"x-api-key": "keystring-only", "Authorization": AUTH["Authorization"]},
            None,
            None,
            "x-api-key must be 'keystring:shared_secret'",
        ),
        (
            "GET",
            LISTINGS,
            {},
            {"x-api-key": AUTH["x-api-key"]},
            None,
            None,
            "missing 'Authorization: Bearer <access token>'",
        ),
        (
            "GET",
            "https://api.etsy.example/v3/application/users/me",
            {},
            AUTH,
            None,
            None,
            "is not Etsy's API host",
        ),
        ("GET", LISTINGS, {}, AUTH, {"state": "active"}, None, "takes no request body"),
    ],
    ids=[
        "wrong-method",
        "unknown-path",
        "unknown-param",
        "missing-required-param",
        "wrong-content-type",
        "unknown-body-field",
        "python-bool-in-form",
        "path-param-type",
        "above-maximum",
        "not-in-enum",
        "repeated-scalar",
        "no-api-key",
        "malformed-api-key",
        "no-bearer-token",
        "foreign-host",
        "body-on-get",
    ],
)
def test_request_outside_the_spec_is_rejected(
    etsy_spec: EtsySpec,
    method: str,
    path: str,
    query: dict[str, object],
    headers: dict[str, str],
    fields: dict[str, object] | None,
    content_type: str | None,
    expected: str,
) -> None:
    problems = check_request(etsy_spec, method, path, query, headers, fields, content_type)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_public_operation_needs_the_api_key_but_no_token(etsy_spec: EtsySpec) -> None:
    headers = {"X-Api-Key": AUTH["x-api-key"]}
    assert (
        check_request(etsy_spec, "GET", "/v3/application/shops/42", {}, headers, None, None) == []
    )


def test_missing_required_form_field_is_rejected(etsy_spec: EtsySpec) -> None:
    fields = {"title": "Pendant", "quantity": "1", "price": "40.00"}
    problems = check_request(
        etsy_spec, "POST", LISTINGS, {}, AUTH, fields, "application/x-www-form-urlencoded"
    )
    missing = {"description", "who_made", "when_made", "taxonomy_id"}
    assert len(problems) == len(missing)
    assert all(any(f"'{name}'" in p for p in problems) for name in missing)


def test_json_body_is_checked_by_json_types(etsy_spec: EtsySpec) -> None:
    path = "/v3/application/listings/1001/inventory"
    good = {"products": [{"sku": "PEND-18", "property_values": [], "offerings": []}]}
    assert check_request(etsy_spec, "PUT", path, {}, AUTH, good, "application/json") == []
    bad = {"products": [{"sku": 18, "colour": "gold"}]}
    problems = check_request(etsy_spec, "PUT", path, {}, AUTH, bad, "application/json")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "unknown field 'colour' in body.products[].",
        "missing required field 'offerings' in body.products[].",
        "body.products[].sku must be a string, not 18.",
    ]


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/v3/application/users/me", "getMe"),
        ("GET", "/v3/application/users/7", "getUser"),
        ("GET", "/v3/application/listings/batch", "getListingsByListingIds"),
        ("GET", "/v3/application/listings/1001", "getListing"),
        ("PATCH", "/v3/application/shops/42/listings/1001", "updateListing"),
        ("POST", "/v3/application/shops/42/listings/1001/images", "uploadListingImage"),
        ("PUT", "/v3/application/shops/42/listings/1001", None),
    ],
)
def test_operation_id_prefers_literal_paths(
    etsy_spec: EtsySpec, method: str, path: str, operation_id: str | None
) -> None:
    assert operation_id_for(etsy_spec, method, path) == operation_id


def test_operations_name_the_oauth_scopes_they_need(etsy_spec: EtsySpec) -> None:
    update = find_operation(etsy_spec, "PATCH", "/v3/application/shops/42/listings/1001")
    me = find_operation(etsy_spec, "GET", "/v3/application/users/me")
    shop = find_operation(etsy_spec, "GET", "/v3/application/shops/42")
    assert update is not None and update.scopes == {"listings_w"}
    assert me is not None and me.scopes == {"shops_r"}
    assert shop is not None and shop.scopes == set()
