"""The two queues, the one enqueue helper, job status and progress.

With Redis, jobs go to RQ queues ("default": sync, describe, publish, webhooks; "gpu": generate).
Without it (the embedded default) the same functions run in this process, one after another on
one background thread, and their statuses are kept here, read through the same job_status().
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
import traceback
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus

from jobs.context import JobContext, current

log = logging.getLogger(__name__)

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


class QueueUnavailableError(RuntimeError):
    """Redis did not answer: nothing was enqueued (a webhook answers 5xx so it is redelivered)."""


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
    QueueUnavailableError when Redis does not answer.
    """
    job_id = job_id or uuid.uuid4().hex
    context = _context_for(queue)
    if context.redis is None:
        _worker.submit(func, args, job_id, replace_ended=True)
        return job_id
    try:
        for _attempt in range(2):
            try:
                _rq_enqueue(context.rq_queue(queue), func, args, job_id, retry, timeout)
                return job_id
            except DuplicateJobError:
                if _is_pending(context.redis, job_id):
                    return job_id
                _delete_job(context.redis, job_id)
    except RedisError as error:
        raise QueueUnavailableError(f"Redis did not answer: {error}") from error
    return job_id  # a concurrent caller enqueued it between our delete and our enqueue


def enqueue_once(
    func: Callable[..., Any],
    *args: Any,
    queue: str,
    job_id: str,
    timeout: int = DEFAULT_TIMEOUT_S,
) -> bool:
    """Run `func(*args)` as job `job_id` unless a job with that id exists in any state (queued,
    running, finished or failed, until its status expires); whether it was enqueued.

    On Redis this is one atomic operation (RQ's unique enqueue: check, save and push in one
    script), so two callers at once enqueue it exactly once. QueueUnavailableError when Redis
    does not answer.
    """
    context = _context_for(queue)
    if context.redis is None:
        return _worker.submit(func, args, job_id, replace_ended=False)
    try:
        _rq_enqueue(context.rq_queue(queue), func, args, job_id, None, timeout)
    except DuplicateJobError:
        return False
    except RedisError as error:
        raise QueueUnavailableError(f"Redis did not answer: {error}") from error
    return True


def wait_for_idle(timeout_s: float | None = None) -> bool:
    """Wait until no in-process job is queued or running; False if `timeout_s` passed first.

    Jobs enqueued while waiting (a sync enqueues generations) are waited for too. With Redis,
    jobs run in the workers, never in this process: it returns True at once.
    """
    return _worker.wait_for_idle(timeout_s)


def _context_for(queue: str) -> JobContext:
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}; adorn's queues are {QUEUE_NAMES}")
    return current()


def _rq_enqueue(
    rq_queue: Queue,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    job_id: str,
    retry: Retry | None,
    timeout: int,
) -> None:
    """RQ's unique enqueue; DuplicateJobError if a job with this id exists."""
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
    _worker.report_progress(fraction, step)


def current_job_id() -> str | None:
    """The id of the job running in this thread (RQ or in-process); None outside a job."""
    job = get_current_job()
    if job is not None:
        return job.id
    return _worker.running_job_id()


def job_status(job_id: str) -> JobStatus:
    """The job's state and progress; UnknownJobError for an id never seen (or expired)."""
    redis = current().redis
    if redis is None:
        in_process = _worker.status(job_id)
        if in_process is None:
            raise UnknownJobError(job_id)
        return in_process
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


@dataclass(frozen=True)
class _Pending:
    job_id: str
    func: Callable[..., Any]
    args: tuple[Any, ...]


class InProcessWorker:
    """The embedded default's worker: one daemon thread per process runs the jobs in the order
    they were enqueued, so a request that enqueues answers at once.

    Each job's status stays readable for RESULT_TTL_S after it ends, as RQ keeps it.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: deque[_Pending] = deque()
        self._statuses: dict[str, JobStatus] = {}
        self._ended: OrderedDict[str, float] = (
            OrderedDict()
        )  # job id -> when it ended, oldest first
        self._running: str | None = None
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None

    def submit(
        self, func: Callable[..., Any], args: tuple[Any, ...], job_id: str, replace_ended: bool
    ) -> bool:
        """Queue the job unless one with its id is pending (or, without `replace_ended`, known
        at all); whether it was queued."""
        with self._condition:
            self._forget_expired()
            known = self._statuses.get(job_id)
            if known is not None and (known.state in ("queued", "started") or not replace_ended):
                return False
            self._statuses[job_id] = JobStatus(job_id, "queued", 0.0, "queued", None)
            self._ended.pop(job_id, None)
            self._pending.append(_Pending(job_id, func, args))
            self._start_thread()
            self._condition.notify_all()
            return True

    def status(self, job_id: str) -> JobStatus | None:
        """The job's status; None for an id never queued (or expired)."""
        with self._condition:
            return self._statuses.get(job_id)

    def running_job_id(self) -> str | None:
        """The id of the job running, when called from that job (the worker thread)."""
        if threading.current_thread() is not self._thread:
            return None
        return self._running

    def report_progress(self, fraction: float, step: str) -> None:
        """Record the running job's progress; nothing when not called from a job."""
        job_id = self.running_job_id()
        if job_id is None:
            return
        with self._condition:
            self._statuses[job_id] = replace(self._statuses[job_id], progress=fraction, step=step)

    def wait_for_idle(self, timeout_s: float | None) -> bool:
        """Wait until nothing is queued or running; False if `timeout_s` passed first."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and self._running is None, timeout_s
            )

    def _start_thread(self) -> None:
        # A forked child inherits the pending jobs but not the thread: it starts its own.
        if self._thread is not None and self._thread.is_alive() and self._thread_pid == os.getpid():
            return
        self._thread = threading.Thread(target=self._work, name="adorn-jobs", daemon=True)
        self._thread_pid = os.getpid()
        self._thread.start()

    def _work(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: bool(self._pending))
                job = self._pending.popleft()
                self._running = job.job_id
                self._statuses[job.job_id] = JobStatus(job.job_id, "started", 0.0, "started", None)
            final = JobStatus(job.job_id, "failed", 0.0, "failed", "the job was interrupted")
            try:
                final = self._perform(job)
            finally:
                self._finish(job.job_id, final)

    def _finish(self, job_id: str, final: JobStatus) -> None:
        with self._condition:
            reached = self._statuses[job_id].progress
            self._statuses[job_id] = replace(final, progress=max(final.progress, reached))
            self._ended[job_id] = time.monotonic()
            self._running = None
            self._condition.notify_all()

    @staticmethod
    def _perform(job: _Pending) -> JobStatus:
        try:
            job.func(*job.args)
        except Exception as error:
            log.exception("in-process job %s failed", job.job_id)
            return JobStatus(job.job_id, "failed", 0.0, "failed", _describe(error))
        return JobStatus(job.job_id, "finished", 1.0, "done", None)

    def _forget_expired(self) -> None:
        expired_before = time.monotonic() - RESULT_TTL_S
        while self._ended and next(iter(self._ended.values())) < expired_before:
            job_id, _ended_at = self._ended.popitem(last=False)
            del self._statuses[job_id]


_worker = InProcessWorker()


def _describe(error: Exception) -> str:
    return traceback.format_exception_only(error)[-1].strip()
