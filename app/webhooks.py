"""Shopify's webhooks: verify the HMAC over the raw body, record the event once, enqueue, answer.

Shopify retries a delivery it gets no quick 2xx for, so the view does nothing slow: the job reads
the shop and the product itself. A redelivered event (same event id) is acknowledged and dropped.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.web import settings
from integrations.errors import AuthError
from integrations.shopify.webhooks import MalformedWebhookError, verify_webhook
from jobs.api import enqueue_webhook

blueprint = Blueprint("webhooks", __name__)


@blueprint.post("/webhooks/shopify")
def shopify() -> ResponseReturnValue:
    """One delivery: 401 on a bad signature, 400 when malformed, 200 once recorded."""
    secret = settings().shopify_api_secret
    if not secret:
        return "Shopify is not configured", 503
    try:
        event = verify_webhook(request.get_data(cache=False), request.headers, secret)
    except MalformedWebhookError as error:
        return str(error), 400
    except AuthError as error:
        return str(error), 401
    job_id = enqueue_webhook(
        event.shop_domain, event.topic, event.event_id, event.triggered_at, event.payload
    )
    return ("duplicate" if job_id is None else "ok"), 200
