"""The two queues, the one enqueue helper, job status and progress.

With Redis, jobs go to RQ queues ("default": sync, describe, publish, webhooks; "gpu": generate).
Without it (the embedded default) the same function runs in the calling process before enqueue
returns, and its status is kept in this process, read through the same job_status().
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus

from jobs.context import current

DEFAULT_QUEUE = "default"
GPU_QUEUE = "gpu"
QUEUE_NAMES = (DEFAULT_QUEUE, GPU_QUEUE)

DEFAULT_TIMEOUT_S = 600
GENERATE_TIMEOUT_S = 1800
RESULT_TTL_S = 24 * 3600  # how long a finished job's status stays readable

State = Literal["queued", "started", "finished", "failed"]

_PENDING_RQ_STATES = {
    RQStatus.CREATED,
    RQStatus.QUEUED,
    RQStatus.DEFERRED,
    RQStatus.SCHEDULED,
    RQStatus.STARTED,
    RQStatus.RATE_LIMITED,
    RQStatus.READY_TO_ENQUEUE,
}


@dataclass(frozen=True)
class JobStatus:
    """Where a job stands, as the web app shows it."""

    id: str
    state: State
    progress: float  # 0..1
    step: str
    error: str | None


class UnknownJobError(LookupError):
    """No job with this id (never enqueued, or its status expired)."""


def default_retry() -> Retry:
    """Three more tries, 10, 30 and 60 seconds apart (a worker killed mid-job counts as a try)."""
    return Retry(max=3, interval=[10, 30, 60])


def generate_job_id(product_id: int, preset_id: int | None) -> str:
    """One pending generate per product and preset."""
    return f"generate-{product_id}-{preset_id if preset_id is not None else 'auto'}"


def publish_job_id(product_id: int, destinations: Sequence[str]) -> str:
    """One pending publish per product and set of destinations."""
    return f"publish-{product_id}-{'+'.join(sorted(set(destinations)))}"


def sync_product_job_id(shop_id: int, remote_id: str) -> str:
    """One pending sync per product (an Etsy poll may see the same listing change twice)."""
    return f"sync-product-{shop_id}-{hashlib.sha256(remote_id.encode()).hexdigest()[:16]}"


def webhook_job_id(event_id: str) -> str:
    """One job per webhook event (hashed: event ids are the platform's free-form strings)."""
    return f"webhook-{hashlib.sha256(event_id.encode()).hexdigest()[:32]}"


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str,
    job_id: str | None = None,
    retry: Retry | None = None,
    timeout: int = DEFAULT_TIMEOUT_S,
) -> str:
    """Run `func(*args)` as a job; returns its id.

    With a `job_id`, a job with that id that is still pending (queued, scheduled or started) is
    not enqueued again: its id is returned. A finished or failed one is replaced.
    """
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}; adorn's queues are {QUEUE_NAMES}")
    redis = current().redis
    if redis is None:
        return _run_in_process(func, args, job_id)
    rq_queue = Queue(queue, connection=redis)
    job_id = job_id or uuid.uuid4().hex
    for _attempt in range(2):
        try:
            rq_queue.enqueue(
                func,
                *args,
                job_id=job_id,
                unique=True,
                retry=retry or default_retry(),
                job_timeout=timeout,
                result_ttl=RESULT_TTL_S,
                failure_ttl=RESULT_TTL_S,
                meta={"progress": 0.0, "step": "queued"},
            )
            return job_id
        except DuplicateJobError:
            if _is_pending(redis, job_id):
                return job_id
            _delete_job(redis, job_id)
    return job_id  # a concurrent caller enqueued it between our delete and our enqueue


def _is_pending(redis: Redis, job_id: str) -> bool:
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return False
    return job.get_status() in _PENDING_RQ_STATES


def _delete_job(redis: Redis, job_id: str) -> None:
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id, connection=redis).delete()


def report_progress(fraction: float, step: str) -> None:
    """Record the running job's progress (0..1) and current step; nothing outside a job."""
    fraction = min(max(fraction, 0.0), 1.0)
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = fraction
        job.meta["step"] = step
        job.save_meta()
        return
    job_id = getattr(_in_process_job, "id", None)
    if job_id is not None:
        with _in_process_lock:
            _in_process[job_id] = replace(_in_process[job_id], progress=fraction, step=step)


def current_job_id() -> str | None:
    """The id of the job running in this thread (RQ or in-process); None outside a job."""
    job = get_current_job()
    if job is not None:
        return job.id
    return getattr(_in_process_job, "id", None)


def job_status(job_id: str) -> JobStatus:
    """The job's state and progress; UnknownJobError for an id never seen (or expired)."""
    redis = current().redis
    if redis is None:
        with _in_process_lock:
            if job_id not in _in_process:
                raise UnknownJobError(job_id)
            return _in_process[job_id]
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        raise UnknownJobError(job_id) from None
    status = job.get_status()
    state = _state_for(status)
    progress = float(job.meta.get("progress", 0.0))
    step = str(job.meta.get("step", ""))
    error = None
    if state == "failed":
        result = job.latest_result()
        error = _last_line(result.exc_string if result else None) or f"job {status}"
    if state == "finished":
        progress, step = 1.0, "done"
    return JobStatus(job_id, state, progress, step, error)


def _state_for(status: RQStatus | None) -> State:
    if status == RQStatus.STARTED:
        return "started"
    if status == RQStatus.FINISHED:
        return "finished"
    if status in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None):
        return "failed"
    return "queued"


def _last_line(text: str | None) -> str | None:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


# The embedded default: statuses of jobs run in this process.
_in_process: dict[str, JobStatus] = {}
_in_process_lock = threading.Lock()
_in_process_job = threading.local()


def _run_in_process(func: Callable[..., Any], args: tuple[Any, ...], job_id: str | None) -> str:
    job_id = job_id or uuid.uuid4().hex
    with _in_process_lock:
        running = _in_process.get(job_id)
        if running is not None and running.state in ("queued", "started"):
            return job_id
        _in_process[job_id] = JobStatus(job_id, "started", 0.0, "started", None)
    outer_job_id = getattr(_in_process_job, "id", None)  # a job may run another in-process
    _in_process_job.id = job_id
    try:
        func(*args)
    except Exception as error:
        final = JobStatus(job_id, "failed", 0.0, "failed", _describe(error))
    else:
        final = JobStatus(job_id, "finished", 1.0, "done", None)
    finally:
        _in_process_job.id = outer_job_id
    with _in_process_lock:
        _in_process[job_id] = replace(
            final, progress=max(final.progress, _in_process[job_id].progress)
        )
    return job_id


def _describe(error: Exception) -> str:
    return traceback.format_exception_only(error)[-1].strip()
