"""The Admin GraphQL client against the sandbox over HTTP: validation, pacing, retries, auth."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from integrations.errors import AuthError, StoreError, TransientError
from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.seed import seed_catalog
from integrations.shopify.api_version import ADMIN_API_VERSION
from integrations.shopify.catalog import iter_products
from integrations.shopify.documents import load_document
from integrations.shopify.graphql_client import RetryPolicy
from tests.integrations.shopify.sandbox_fixtures import AdminSandbox


def _post(sandbox: AdminSandbox, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = requests.post(
        f"{sandbox.shop_url}/admin/api/{ADMIN_API_VERSION}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": sandbox.token.access_token},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def test_shop_query_reports_its_cost(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    client = admin_sandbox.client(admin_http)
    data = client.execute("shop")
    assert data["shop"]["myshopifyDomain"] == admin_sandbox.shop
    assert client.throttle is not None
    assert client.throttle.maximum_available == 1000
    assert client.stats.documents["shop"] == 1


def test_sandbox_refuses_unknown_and_deprecated_fields(admin_sandbox: AdminSandbox) -> None:
    unknown = _post(admin_sandbox, "query { shop { name favouriteColour } }")
    assert "favouriteColour" in unknown["errors"][0]["message"]
    assert "data" not in unknown
    deprecated = _post(admin_sandbox, "query { products(first: 1) { nodes { bodyHtml } } }")
    assert "deprecated" in deprecated["errors"][0]["message"]
    # Every answer carries the cost, even a refusal.
    assert "throttleStatus" in deprecated["extensions"]["cost"]


def test_sandbox_refuses_wrong_variables(admin_sandbox: AdminSandbox) -> None:
    body = _post(admin_sandbox, load_document("products_page"), {"first": "ten"})
    assert body["errors"] and "data" not in body


def test_query_over_the_single_query_limit_is_a_store_error(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    client = admin_sandbox.client(admin_http)
    with pytest.raises(StoreError, match="exceeds the single query max cost"):
        client.execute("products_page", {"first": 250, "variantsFirst": 100})


def test_user_errors_become_store_errors(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    client = admin_sandbox.client(admin_http)
    with pytest.raises(StoreError, match="does not exist"):
        client.execute("file_delete", {"fileIds": ["gid://shopify/MediaImage/999999"]})


def test_throttled_sync_paces_and_loses_nothing(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=60, photo_px=96)
    # A small, fast bucket, empty at the start: the first call is throttled, then the client
    # knows the page's cost and waits for the bucket instead of being throttled again.
    admin_sandbox.set_bucket(BucketSettings(maximum=1000, restore_rate=1000), available=0)
    client = admin_sandbox.client(admin_http)
    records = list(iter_products(client, page_size=10))
    assert len({r.remote_id for r in records}) == 60
    assert client.stats.throttled == 1
    assert client.stats.documents["products_page"] == 6
    assert client.stats.sleeps >= 2  # the throttled retry, then pacing as the bucket ran low


def test_pacing_runs_at_the_restore_rate_without_throttling(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    seed_catalog(admin_sandbox.state, admin_sandbox.shop, count=30, photo_px=96)
    settings = BucketSettings(maximum=1000, restore_rate=500)
    admin_sandbox.set_bucket(settings, available=1000)
    client = admin_sandbox.client(admin_http)
    started = time.monotonic()
    assert len(list(iter_products(client, page_size=10))) == 30
    elapsed = time.monotonic() - started
    requested = client.last_requested_cost("products_page")
    assert client.stats.throttled == 0
    # Each page needs its requested cost in the bucket but spends only its actual cost, so the
    # bucket must restore what the first two pages spent beyond the 1000 - requested margin.
    per_page = client.stats.cost_spent / 3
    assert requested is not None
    needed_s = (2 * per_page - (settings.maximum - requested)) / settings.restore_rate
    assert needed_s > 0.2
    assert elapsed >= needed_s * 0.8  # it did wait for the bucket...
    # ...and no longer than the bucket needed. Its own sleeps are the measure: on a loaded machine
    # the requests themselves take longer, which only shortens the waits.
    assert client.stats.slept_s <= needed_s + 0.1


def test_5xx_storm_then_success(admin_sandbox: AdminSandbox, admin_http: requests.Session) -> None:
    delays: list[float] = []
    client = admin_sandbox.client(admin_http, sleep=delays.append)  # record, do not wait
    admin_sandbox.state.fail_next_requests = 3
    assert client.execute("shop")["shop"]["name"]
    assert client.stats.retries == 3
    # Exponential back-off with jitter: each delay within [0.5, 1] of base * 2^attempt.
    assert len(delays) == 3
    for attempt, delay in enumerate(delays):
        ceiling = 0.01 * 2**attempt
        assert 0.5 * ceiling <= delay <= ceiling


def test_5xx_storm_longer_than_the_retries_is_transient(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    client = admin_sandbox.client(admin_http, RetryPolicy(max_attempts=3, backoff_base_s=0.001))
    admin_sandbox.state.fail_next_requests = 5
    with pytest.raises(TransientError, match="503"):
        client.execute("shop")
    assert client.stats.requests == 3


def test_expired_token_is_an_auth_error(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    admin_sandbox.token.expires_at = time.time() - 1
    client = admin_sandbox.client(admin_http)
    with pytest.raises(AuthError):
        client.execute("shop")
    assert client.stats.requests == 1  # no retry with a dead token


def test_token_is_sent_per_request_not_kept_in_the_session(
    admin_sandbox: AdminSandbox, admin_http: requests.Session
) -> None:
    admin_sandbox.client(admin_http).execute("shop")
    assert "X-Shopify-Access-Token" not in admin_http.headers
