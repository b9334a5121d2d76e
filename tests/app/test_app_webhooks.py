"""Shopify's webhooks: 401 on a bad HMAC, 400 when malformed, 200 with each event enqueued once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlmodel import Session, select

from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.shopify.oauth import deliver_webhook
from integrations.sandbox.stores import SandboxStores
from integrations.shopify.webhooks import webhook_hmac
from jobs.context import current
from models.tables import WebhookEvent

SHOP = "adorn-demo.myshopify.com"


def _headers(body: bytes, secret: str, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "X-Shopify-API-Version": "2025-10",
    }


def _events() -> list[WebhookEvent]:
    with Session(current().engine) as session:
        return list(session.exec(select(WebhookEvent)))


def _queued_job_ids() -> list[str]:
    redis = current().redis
    assert redis is not None
    return Queue("default", connection=redis).job_ids


def test_a_signed_event_is_acknowledged_and_enqueued_exactly_once(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 1, "title": "Gold ring"}).encode()
    headers = _headers(body, secret, event_id="event-1")

    first = client.post("/webhooks/shopify", data=body, headers=headers)
    again = client.post("/webhooks/shopify", data=body, headers=headers)  # Shopify's retry

    assert (first.status_code, again.status_code) == (200, 200)
    assert [e.event_id for e in _events()] == ["event-1"]
    assert len(_queued_job_ids()) == 1


def test_a_bad_signature_is_401_and_records_nothing(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 1}).encode()
    headers = _headers(body, secret, event_id="event-2")
    tampered = body.replace(b"1", b"2")

    assert client.post("/webhooks/shopify", data=tampered, headers=headers).status_code == 401
    forged = {**headers, "X-Shopify-Hmac-Sha256": webhook_hmac(body, "not-the-secret")}
    assert client.post("/webhooks/shopify", data=body, headers=forged).status_code == 401
    assert _events() == [] and _queued_job_ids() == []


def test_missing_headers_or_a_body_that_is_not_json_are_400(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 1}).encode()
    headers = _headers(body, secret, event_id="event-3")
    for missing in ("X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Event-Id"):
        partial = {k: v for k, v in headers.items() if k != missing}
        assert client.post("/webhooks/shopify", data=body, headers=partial).status_code == 400
    text = b"not json"
    signed_text = {**headers, "X-Shopify-Hmac-Sha256": webhook_hmac(text, secret)}
    assert client.post("/webhooks/shopify", data=text, headers=signed_text).status_code == 400
    assert _events() == []


def test_the_sandbox_delivers_over_http_and_a_replayed_event_is_dropped(
    app: Flask, sandbox: SandboxStores
) -> None:
    server = serve_in_thread(app)
    try:
        uri = f"{server.base_url}/webhooks/shopify"
        payload = {"id": 7, "title": "Silver hoops"}
        state = sandbox.shopify_state
        first = deliver_webhook(state, SHOP, "products/create", payload, uri, event_id="e-7")
        replay = deliver_webhook(state, SHOP, "products/create", payload, uri, event_id="e-7")
    finally:
        server.stop()
    assert (first.status_code, replay.status_code) == (200, 200)
    assert (first.text, replay.text) == ("ok", "duplicate")
    assert [(e.event_id, e.topic) for e in _events()] == [("e-7", "products/create")]
    assert len(_queued_job_ids()) == 1
