"""Shopify's webhooks: verify the HMAC over the raw body, enqueue once per event id, answer.

Shopify retries a delivery it gets no quick 2xx for, so the view does nothing slow: no database
work, one atomic Redis operation. The job records the event and reads the shop and the product
itself. A redelivered event (same event id) is acknowledged and dropped; when Redis is down the
answer is 503, so Shopify delivers it again later.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.web import settings
from integrations.errors import AuthError
from integrations.shopify.webhooks import MalformedWebhookError, verify_webhook
from jobs.api import QueueUnavailableError, enqueue_webhook

blueprint = Blueprint("webhooks", __name__)


@blueprint.post("/webhooks/shopify")
def shopify() -> ResponseReturnValue:
    """One delivery: 401 on a bad signature, 400 when malformed, 503 when it cannot be queued,
    200 once queued (or seen before)."""
    secret = settings().shopify_api_secret
    if not secret:
        return "Shopify is not configured", 503
    try:
        event = verify_webhook(request.get_data(cache=False), request.headers, secret)
    except MalformedWebhookError as error:
        return str(error), 400
    except AuthError as error:
        return str(error), 401
    try:
        job_id = enqueue_webhook(
            event.shop_domain, event.topic, event.event_id, event.triggered_at, event.payload
        )
    except QueueUnavailableError:
        return "the queue is unavailable: deliver again later", 503
    return ("duplicate" if job_id is None else "ok"), 200
