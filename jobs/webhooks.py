"""The job behind a Shopify webhook: record the event by its id, then act on it once.

The web view only verifies the signature and enqueues (one atomic Redis operation keyed on the
event id), so the platform gets its answer in milliseconds. The event's row is the durable
dedupe: it outlives the queue's memory of the job, so a redelivery days later, or a second
enqueue after that memory expired, acts on nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from jobs import tasks
from jobs.context import current
from models.db import session_scope
from models.queries import record_webhook_event
from models.tables import WebhookEvent


def receive_webhook(
    shop_domain: str, topic: str, payload: dict[str, Any], triggered_at: datetime, event_id: str
) -> bool:
    """Record the delivery and handle it; False if the event was handled before.

    A retry of this job after a crash finds the row unprocessed and handles it again, which the
    handlers allow (they are idempotent).
    """
    with session_scope(current().engine) as session:
        if not record_webhook_event(session, shop_domain, event_id, topic, triggered_at):
            event = session.exec(
                select(WebhookEvent).where(WebhookEvent.event_id == event_id)
            ).one()
            if event.processed_at is not None:
                return False
    tasks.handle_webhook(shop_domain, topic, payload, triggered_at, event_id)
    return True
