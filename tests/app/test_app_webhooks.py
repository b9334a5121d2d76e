"""Shopify's webhooks: 401 on a bad HMAC, 400 when malformed, 503 when the queue is down, and 200
with each event enqueued exactly once; the job records the event and acts on it once."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlmodel import Session, select

from app import create_app
from core.settings import Settings
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.shopify.oauth import deliver_webhook
from integrations.sandbox.stores import SandboxStores
from integrations.shopify.webhooks import COMPLIANCE_TOPICS, webhook_hmac
from jobs.context import current
from jobs.queues import webhook_job_id
from models.tables import WebhookEvent

SHOP = "adorn-demo.myshopify.com"


def _headers(
    body: bytes, secret: str, event_id: str, topic: str = "products/update"
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "X-Shopify-API-Version": "2025-10",
    }


def _events() -> list[WebhookEvent]:
    with Session(current().engine) as session:
        return list(session.exec(select(WebhookEvent)))


def _queue() -> Queue:
    connection = current().redis
    assert connection is not None
    return Queue("default", connection=connection)


def _run_queued_jobs() -> None:
    """Run every queued job in this process, as a worker would."""
    queue = _queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_a_signed_event_is_acknowledged_enqueued_once_and_recorded_by_its_job(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 1, "title": "Gold ring"}).encode()
    headers = _headers(body, secret, event_id="event-1")

    first = client.post("/webhooks/shopify", data=body, headers=headers)
    again = client.post("/webhooks/shopify", data=body, headers=headers)  # Shopify's retry

    assert (first.status_code, first.text, again.status_code, again.text) == (
        200,
        "ok",
        200,
        "duplicate",
    )
    assert _queue().job_ids == [webhook_job_id("event-1")]
    assert _events() == []  # the view does no database work: the job records the event

    _run_queued_jobs()
    [event] = _events()
    assert (event.event_id, event.shop_domain, event.topic) == ("event-1", SHOP, "products/update")
    assert event.processed_at is not None
    late = client.post("/webhooks/shopify", data=body, headers=headers)  # after the job ran
    assert (late.status_code, late.text) == (200, "duplicate")
    assert _queue().job_ids == []


def test_a_redelivery_after_the_queue_forgot_the_event_is_dropped_by_the_job(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 2}).encode()
    headers = _headers(body, secret, event_id="event-forgotten")
    job_id = webhook_job_id("event-forgotten")
    assert client.post("/webhooks/shopify", data=body, headers=headers).text == "ok"
    _run_queued_jobs()
    Job.fetch(job_id, connection=_queue().connection).delete()  # its status expired

    assert client.post("/webhooks/shopify", data=body, headers=headers).text == "ok"
    _run_queued_jobs()

    assert Job.fetch(job_id, connection=_queue().connection).return_value() is False
    assert [e.event_id for e in _events()] == ["event-forgotten"]


def test_deliveries_of_one_event_at_the_same_moment_enqueue_it_once(
    app: Flask, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 3}).encode()
    headers = _headers(body, secret, event_id="event-raced")

    def deliver(_: int) -> str:
        answer = app.test_client().post("/webhooks/shopify", data=body, headers=headers)
        assert answer.status_code == 200
        return answer.text

    with ThreadPoolExecutor(8) as pool:
        answers = sorted(pool.map(deliver, range(16)))

    assert answers == ["duplicate"] * 15 + ["ok"]
    assert _queue().job_ids == [webhook_job_id("event-raced")]


@pytest.mark.parametrize("topic", sorted(COMPLIANCE_TOPICS))
def test_compliance_topics_are_acknowledged_and_handled(
    client: FlaskClient, sandbox: SandboxStores, topic: str
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"shop_domain": SHOP, "shop_id": 1}).encode()
    answer = client.post(
        "/webhooks/shopify", data=body, headers=_headers(body, secret, f"c-{topic}", topic)
    )
    assert (answer.status_code, answer.text) == (200, "ok")

    _run_queued_jobs()
    [event] = _events()
    assert event.topic == topic and event.processed_at is not None


def test_a_bad_signature_is_401_and_enqueues_nothing(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 1}).encode()
    headers = _headers(body, secret, event_id="event-2")
    tampered = body.replace(b"1", b"2")

    assert client.post("/webhooks/shopify", data=tampered, headers=headers).status_code == 401
    forged = {**headers, "X-Shopify-Hmac-Sha256": webhook_hmac(body, "not-the-secret")}
    assert client.post("/webhooks/shopify", data=body, headers=forged).status_code == 401
    assert _queue().job_ids == []


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
    assert _queue().job_ids == []


def test_with_redis_down_the_answer_is_503_so_shopify_delivers_again(
    settings: Settings, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    body = json.dumps({"id": 4}).encode()
    headers = _headers(body, secret, event_id="event-while-down")
    down = create_app(settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))  # nobody there

    answer = down.test_client().post("/webhooks/shopify", data=body, headers=headers)

    assert answer.status_code == 503
    back = create_app(settings)
    try:
        retried = back.test_client().post("/webhooks/shopify", data=body, headers=headers)
        assert (retried.status_code, retried.text) == (200, "ok")  # not taken for a duplicate
    finally:
        assert settings.redis_url is not None
        redis.Redis.from_url(settings.redis_url).flushdb()


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
    assert _queue().job_ids == [webhook_job_id("e-7")]
    _run_queued_jobs()
    assert [(e.event_id, e.topic) for e in _events()] == [("e-7", "products/create")]
