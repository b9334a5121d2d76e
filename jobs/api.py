"""What the web app calls: enqueue a job, read a job's status.

Each function uses the process's context (jobs.context.configure, called once at start).
Without REDIS_URL the job runs in-process before the function returns; the status reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col

from jobs import queues, tasks
from jobs.context import current
from jobs.queues import DEFAULT_QUEUE, GPU_QUEUE, JobStatus
from models.db import session_scope
from models.queries import record_webhook_event
from models.tables import WebhookEvent

__all__ = [
    "JobStatus",
    "enqueue_describe",
    "enqueue_generate",
    "enqueue_publish",
    "enqueue_sync",
    "enqueue_webhook",
    "job_status",
]


def enqueue_sync(shop_id: int) -> str:
    """Sync the shop's catalog from its store; the job id."""
    return queues.enqueue(tasks.sync_shop, shop_id, queue=DEFAULT_QUEUE, job_id=f"sync-{shop_id}")


def enqueue_generate(
    product_id: int, preset_id: int | None = None, base_seed: int | None = None
) -> str:
    """Generate on-model images for the product (the preset for its type by default); the job id.

    A second click while the same product and preset is pending returns the pending job's id.
    """
    return queues.enqueue(
        tasks.generate_product,
        product_id,
        preset_id,
        base_seed,
        queue=GPU_QUEUE,
        job_id=queues.generate_job_id(product_id, preset_id),
        timeout=queues.GENERATE_TIMEOUT_S,
    )


def enqueue_describe(product_id: int) -> str:
    """Write the product's listing copy; the job id."""
    return queues.enqueue(
        tasks.describe_product, product_id, queue=DEFAULT_QUEUE, job_id=f"describe-{product_id}"
    )


def enqueue_publish(product_id: int, destinations: Sequence[str]) -> str:
    """Publish the product's approved images and copy to the destinations; the job id."""
    destination_list = sorted(set(destinations))
    return queues.enqueue(
        tasks.publish_product,
        product_id,
        destination_list,
        queue=DEFAULT_QUEUE,
        job_id=queues.publish_job_id(product_id, destination_list),
    )


def enqueue_webhook(
    shop_domain: str, topic: str, event_id: str, triggered_at: datetime, payload: dict
) -> str | None:
    """Record the webhook delivery and enqueue its handling; None if the event was seen before.

    If the enqueue fails the record is removed again, so the platform's redelivery is handled.
    """
    engine = current().engine
    with session_scope(engine) as session:
        if not record_webhook_event(session, shop_domain, event_id, topic, triggered_at):
            return None
    try:
        return queues.enqueue(
            tasks.handle_webhook,
            shop_domain,
            topic,
            payload,
            triggered_at,
            event_id,
            queue=DEFAULT_QUEUE,
            job_id=queues.webhook_job_id(event_id),
        )
    except Exception:
        with session_scope(engine) as session:
            session.exec(delete(WebhookEvent).where(col(WebhookEvent.event_id) == event_id))
        raise


def job_status(job_id: str) -> JobStatus:
    """The job's state, progress (0..1) and current step; state "failed" carries the error."""
    return queues.job_status(job_id)
