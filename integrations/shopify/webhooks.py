"""Webhooks from Shopify: verify the signature over the raw body, then read the event off the headers.

The view answers 400 to MalformedWebhookError, 401 to AuthError, and otherwise acknowledges at once
and enqueues; the job dedupes on event_id and ignores stale events (is_stale).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from integrations.errors import AuthError, StoreError
from integrations.shopify.auth import shop_domain_is_valid

PRODUCT_TOPICS = frozenset({"products/create", "products/update", "products/delete"})
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
TOPICS = PRODUCT_TOPICS | COMPLIANCE_TOPICS | {"app/uninstalled"}

HMAC_HEADER = "X-Shopify-Hmac-Sha256"


class HeaderItems(Protocol):
    """A dict of headers or the request's own Headers (which is not a Mapping)."""

    def items(self) -> Iterable[tuple[str, str]]: ...


class MalformedWebhookError(StoreError):
    """The request lacks a header or a body Shopify always sends: answer 400, not 401."""


@dataclass(frozen=True)
class WebhookEvent:
    """One verified delivery. event_id is the same on every retry and every subscription."""

    topic: str
    shop_domain: str
    webhook_id: str
    event_id: str
    triggered_at: datetime
    api_version: str
    payload: dict[str, Any]


def webhook_hmac(raw_body: bytes, client_secret: str) -> str:
    """base64(HMAC-SHA256(raw body, client secret)), as in X-Shopify-Hmac-Sha256."""
    digest = hmac.new(client_secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_webhook(raw_body: bytes, headers: HeaderItems, client_secret: str) -> WebhookEvent:
    """Check the signature of a delivery (constant time) and return its event.

    A missing signature, header or JSON body raises MalformedWebhookError (400); a signature that
    does not match raises AuthError (401). The body must be the bytes as received, not re-encoded.
    """
    by_name = {name.lower(): value for name, value in headers.items()}
    received = by_name.get(HMAC_HEADER.lower())
    if not received:
        raise MalformedWebhookError(f"the webhook carries no {HMAC_HEADER} header")
    expected = webhook_hmac(raw_body, client_secret)
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise AuthError("the webhook's HMAC does not match its body: it was not sent by Shopify")

    def header(name: str) -> str:
        value = by_name.get(name.lower())
        if not value:
            raise MalformedWebhookError(f"the webhook carries no {name} header")
        return value

    shop_domain = header("X-Shopify-Shop-Domain")
    if not shop_domain_is_valid(shop_domain):
        raise MalformedWebhookError(f"{shop_domain!r} is not a myshopify.com shop domain")
    return WebhookEvent(
        topic=header("X-Shopify-Topic"),
        shop_domain=shop_domain,
        webhook_id=header("X-Shopify-Webhook-Id"),
        event_id=header("X-Shopify-Event-Id"),
        triggered_at=_parse_time(header("X-Shopify-Triggered-At")),
        api_version=header("X-Shopify-API-Version"),
        payload=_parse_payload(raw_body),
    )


def is_stale(event: WebhookEvent, stored_updated_at: datetime | None) -> bool:
    """Whether the event was triggered before the stored copy was last updated (apply nothing)."""
    return stored_updated_at is not None and event.triggered_at < stored_updated_at


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedWebhookError(f"X-Shopify-Triggered-At {text!r} is not a time") from None
    if moment.tzinfo is None:
        raise MalformedWebhookError(f"X-Shopify-Triggered-At {text!r} has no time zone")
    return moment


def _parse_payload(raw_body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw_body)
    except ValueError:
        raise MalformedWebhookError("the webhook's body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhookError("the webhook's body is not a JSON object")
    return payload
