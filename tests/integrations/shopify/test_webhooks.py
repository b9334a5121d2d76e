"""Webhooks the sandbox signs and sends, received over HTTP by a receiver that verifies them."""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask, request

from integrations.errors import AuthError
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.shopify.oauth import deliver_webhook
from integrations.sandbox.shopify.state import (
    SandboxApp,
    ShopifySandboxState,
    WebhookSubscription,
)
from integrations.shopify.api_version import ADMIN_API_VERSION
from integrations.shopify.webhooks import (
    TOPICS,
    MalformedWebhookError,
    WebhookEvent,
    is_stale,
    verify_webhook,
    webhook_hmac,
)

APP_TOML = Path(__file__).resolve().parents[3] / "shopify.app.toml"


class Receiver:
    """The app's webhook endpoint reduced to verify-and-record, served on loopback."""

    def __init__(self, client_secret: str) -> None:
        self.events: list[WebhookEvent] = []
        app = Flask("webhook-receiver")

        @app.post("/webhooks/shopify")
        def receive() -> tuple[str, int]:
            try:
                event = verify_webhook(request.get_data(), request.headers, client_secret)
            except MalformedWebhookError as error:
                return str(error), 400
            except AuthError as error:
                return str(error), 401
            self.events.append(event)
            return "", 200

        self._server = serve_in_thread(app)
        self.url = f"{self._server.base_url}/webhooks/shopify"

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture
def receiver(sandbox_app: SandboxApp) -> Iterator[Receiver]:
    running = Receiver(sandbox_app.client_secret)
    yield running
    running.stop()


def signed_headers(body: bytes, secret: str, shop: str, **overrides: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-03-29T18:00:27.877041743Z",
        "X-Shopify-API-Version": ADMIN_API_VERSION,
    }
    headers.update(overrides)
    return {name: value for name, value in headers.items() if value}


def test_a_delivered_webhook_is_verified_and_read(
    receiver: Receiver, shopify_state: ShopifySandboxState, shop: str
) -> None:
    payload = {"id": 632910392, "title": "Moonstone drop earrings", "updated_at": "2026-03-29"}

    response = deliver_webhook(
        shopify_state, shop, "products/update", payload, uri=receiver.url, event_id="evt-1"
    )

    assert response.status_code == 200
    (event,) = receiver.events
    assert (event.topic, event.shop_domain, event.event_id) == ("products/update", shop, "evt-1")
    assert event.payload == payload and event.api_version == ADMIN_API_VERSION
    assert abs(event.triggered_at - datetime.now(UTC)) < timedelta(seconds=5)


def test_each_subscription_gets_the_event_under_one_event_id(
    receiver: Receiver, shopify_state: ShopifySandboxState, shop: str
) -> None:
    shopify_state.shops[shop].webhooks = [
        WebhookSubscription("gid://shopify/WebhookSubscription/1", "PRODUCTS_CREATE", receiver.url),
        WebhookSubscription("gid://shopify/WebhookSubscription/2", "PRODUCTS_CREATE", receiver.url),
        WebhookSubscription("gid://shopify/WebhookSubscription/3", "APP_UNINSTALLED", receiver.url),
    ]

    deliver_webhook(shopify_state, shop, "products/create", {"id": 1})

    assert [event.topic for event in receiver.events] == ["products/create"] * 2
    assert len({event.event_id for event in receiver.events}) == 1  # the dedupe key
    assert len({event.webhook_id for event in receiver.events}) == 2
    with pytest.raises(LookupError, match="no subscription"):
        deliver_webhook(shopify_state, shop, "shop/redact", {"shop_domain": shop})


def test_a_forged_webhook_gets_401(receiver: Receiver, sandbox_app: SandboxApp, shop: str) -> None:
    body = b'{"id": 1, "title": "Gold hoops"}'
    tampered = b'{"id": 1, "title": "Gold hoops, 90% off"}'
    forgeries = [
        (tampered, signed_headers(body, sandbox_app.client_secret, shop)),
        (body, signed_headers(body, "shpss_not_the_apps_secret", shop)),
        (
            body,
            signed_headers(
                body, sandbox_app.client_secret, shop, **{"X-Shopify-Hmac-Sha256": "AAAA"}
            ),
        ),
    ]
    for sent_body, headers in forgeries:
        response = requests.post(receiver.url, data=sent_body, headers=headers, timeout=5)
        assert response.status_code == 401, response.text
    assert receiver.events == []


def test_a_webhook_missing_a_header_gets_400(
    receiver: Receiver, sandbox_app: SandboxApp, shop: str
) -> None:
    body = b'{"id": 1}'
    for missing in (
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Topic",
        "X-Shopify-Shop-Domain",
        "X-Shopify-Event-Id",
        "X-Shopify-Triggered-At",
    ):
        headers = signed_headers(body, sandbox_app.client_secret, shop, **{missing: ""})
        response = requests.post(receiver.url, data=body, headers=headers, timeout=5)
        assert (response.status_code, missing in response.text) == (400, True), missing
    assert receiver.events == []


@pytest.mark.parametrize(
    ("body", "overrides", "reason"),
    [
        (b"not json", {}, "not JSON"),
        (b"[1, 2]", {}, "not a JSON object"),
        (b"{}", {"X-Shopify-Shop-Domain": "evil.com"}, "not a myshopify.com shop domain"),
        (b"{}", {"X-Shopify-Triggered-At": "yesterday"}, "is not a time"),
        (b"{}", {"X-Shopify-Triggered-At": "2026-03-29T18:00:27"}, "no time zone"),
    ],
)
def test_a_signed_but_malformed_webhook_is_refused(
    sandbox_app: SandboxApp, shop: str, body: bytes, overrides: dict[str, str], reason: str
) -> None:
    headers = signed_headers(body, sandbox_app.client_secret, shop, **overrides)
    with pytest.raises(MalformedWebhookError, match=reason):
        verify_webhook(body, headers, sandbox_app.client_secret)


def test_header_names_are_case_insensitive(sandbox_app: SandboxApp, shop: str) -> None:
    body = b'{"id": 7}'
    headers = {
        name.lower(): value
        for name, value in signed_headers(body, sandbox_app.client_secret, shop).items()
    }
    event = verify_webhook(body, headers, sandbox_app.client_secret)
    assert event.triggered_at == datetime(2026, 3, 29, 18, 0, 27, 877041, tzinfo=UTC)


def test_an_event_older_than_the_stored_copy_is_stale(sandbox_app: SandboxApp, shop: str) -> None:
    body = b'{"id": 7}'
    event = verify_webhook(
        body, signed_headers(body, sandbox_app.client_secret, shop), sandbox_app.client_secret
    )
    assert is_stale(event, event.triggered_at + timedelta(seconds=1))
    assert not is_stale(event, event.triggered_at)
    assert not is_stale(event, event.triggered_at - timedelta(seconds=1))
    assert not is_stale(event, None)


def test_the_app_config_subscribes_to_every_handled_topic() -> None:
    config = tomllib.loads(APP_TOML.read_text())

    subscriptions = config["webhooks"]["subscriptions"]
    declared = {
        topic
        for subscription in subscriptions
        for topic in subscription.get("topics", []) + subscription.get("compliance_topics", [])
    }
    assert declared == TOPICS
    assert config["webhooks"]["api_version"] == ADMIN_API_VERSION
    assert all(subscription["uri"] for subscription in subscriptions)
    assert config["embedded"] is True
    assert config["access_scopes"]["use_legacy_install_flow"] is False
    scopes = set(config["access_scopes"]["scopes"].split(","))
    assert {"read_products", "write_products", "write_files"} <= scopes
