"""What the web app calls: enqueue a job, read a job's status.

Each function uses the process's context (jobs.context.configure, called once at start).
Without REDIS_URL the job runs on this process's job thread; the status reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jobs import queues, tasks, template_generation, webhooks
from jobs.queues import DEFAULT_QUEUE, GPU_QUEUE, JobStatus, QueueUnavailableError

__all__ = [
    "JobStatus",
    "QueueUnavailableError",
    "enqueue_describe",
    "enqueue_generate",
    "enqueue_publish",
    "enqueue_sync",
    "enqueue_webhook",
    "job_status",
    "sync_job_id",
    "wait_for_idle",
]


def sync_job_id(shop_id: int) -> str:
    """The id of the shop's catalog sync (one at a time per shop)."""
    return f"sync-{shop_id}"


def enqueue_sync(shop_id: int) -> str:
    """Sync the shop's catalog from its store; the job id."""
    return queues.enqueue(
        tasks.sync_shop, shop_id, queue=DEFAULT_QUEUE, job_id=sync_job_id(shop_id)
    )


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
    """Enqueue the handling of a verified webhook delivery; its job id, or None if this event
    was enqueued before.

    One atomic operation on Redis and no database work, so the view answers in milliseconds;
    the job records the event. QueueUnavailableError when Redis does not answer: nothing was
    enqueued, and the platform redelivers after a 5xx.
    """
    job_id = queues.webhook_job_id(event_id)
    enqueued = queues.enqueue_once(
        webhooks.receive_webhook,
        shop_domain,
        topic,
        payload,
        triggered_at,
        event_id,
        queue=DEFAULT_QUEUE,
        job_id=job_id,
    )
    return job_id if enqueued else None


def wait_for_idle(timeout_s: float | None = None) -> bool:
    """Wait until this process's in-process jobs are all done; False if `timeout_s` passed first
    (with Redis there are none: the workers run them)."""
    return queues.wait_for_idle(timeout_s)


def job_status(job_id: str) -> JobStatus:
    """The job's state, progress (0..1) and current step; state "failed" carries the error."""
    return queues.job_status(job_id)


def enqueue_unpublish(product_id: int, destinations: Sequence[str]) -> str:
    """Remove adorn's published images of the product from the destinations (undo); the job id."""
    destination_list = sorted(set(destinations))
    return queues.enqueue(
        tasks.unpublish_product,
        product_id,
        destination_list,
        queue=DEFAULT_QUEUE,
        job_id=f"un{queues.publish_job_id(product_id, destination_list)}",
    )


def enqueue_annotate_template(shop_id: int, name: str, region: str, upload_path: str) -> str:
    """Annotate the shop's uploaded model photo into its template `name`; the job id.

    One job per upload (each upload has a path of its own); the job of an upload that a newer
    one of the same name replaced finds its photo superseded and does nothing.
    """
    upload_key = upload_path.rsplit("/", 1)[-1].split(".", 1)[0]  # "<name>-<random token>"
    return queues.enqueue(
        tasks.annotate_template,
        shop_id,
        name,
        region,
        upload_path,
        queue=DEFAULT_QUEUE,
        job_id=f"annotate-template-{shop_id}-{upload_key}",
    )


def enqueue_generate_template(shop_id: int, name: str, values: dict[str, Any], seed: int) -> str:
    """Generate the shop's model photo `name` from a description on the gpu queue; the job id.

    `values` are a TemplateRequest's plain values (template_generation.request_values). One
    pending job per template name: a second click returns the pending job's id.
    """
    return queues.enqueue(
        template_generation.generate_template,
        shop_id,
        name,
        values,
        seed,
        queue=GPU_QUEUE,
        job_id=f"generate-template-{shop_id}-{name}",
        timeout=queues.GENERATE_TIMEOUT_S,
    )
