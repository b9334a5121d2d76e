"""Running an RQ worker for adorn's queues (`adorn worker --queue default|gpu`)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from typing import cast

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.worker import BaseWorker

from core.settings import Settings
from jobs.context import configure
from jobs.generation import library
from jobs.queues import GPU_QUEUE, QUEUE_NAMES
from jobs.refinement import preload_refiner

log = logging.getLogger(__name__)


def run_worker(settings: Settings, queues: Sequence[str], burst: bool = False) -> bool:
    """Work the named queues until stopped (or, with `burst`, until they are empty).

    The gpu queue gets a worker that runs jobs in its own process, never a forked child: CUDA
    cannot re-initialise after a fork, and the template library and models stay loaded between
    jobs. Jobs left "started" by a dead worker on this machine are retried first.
    """
    unknown = sorted(set(queues) - set(QUEUE_NAMES))
    if unknown or not queues:
        raise ValueError(f"unknown queues {unknown}: adorn's queues are {QUEUE_NAMES}")
    context = configure(settings)
    if context.redis is None:
        raise RuntimeError("a worker needs REDIS_URL; without it jobs run in the web process")
    recovered = recover_abandoned_jobs(context.redis, queues)
    if recovered:
        log.warning("retrying jobs abandoned by dead workers: %s", ", ".join(recovered))
    rq_queues = [Queue(name, connection=context.redis) for name in queues]
    if GPU_QUEUE in queues:
        library(settings.templates_dir)  # load once, before the first job
        log.info("contact-band refinement %s", preload_refiner(settings))
        worker: BaseWorker = SimpleWorker(rq_queues, connection=context.redis)
    else:
        worker = Worker(rq_queues, connection=context.redis)
    # The scheduler moves retries that wait (Retry intervals) back onto their queue.
    return worker.work(burst=burst, with_scheduler=True)


def recover_abandoned_jobs(redis: Redis, queues: Sequence[str]) -> list[str]:
    """Hand jobs whose worker died on this machine to RQ's abandoned-job handling now; their ids.

    RQ notices a dead worker's job only when its heartbeat expires (a minute or more) and its
    registry maintenance next runs (every ten minutes). A worker that starts on the same machine
    knows better: if the process that held the job is gone, the job was abandoned. RQ then
    retries it if it has retries left, or moves it to the failed registry.
    """
    recovered = []
    for name in queues:
        registry = StartedJobRegistry(name, connection=redis)
        entries = [entry.decode() for entry in cast(list[bytes], redis.zrange(registry.key, 0, -1))]
        abandoned = [
            entry for entry in entries if _worker_is_dead(redis, registry.parse_job_id(entry))
        ]
        if not abandoned:
            continue
        redis.zadd(registry.key, dict.fromkeys(abandoned, 0), xx=True)
        registry.cleanup(timestamp=0)
        recovered += [registry.parse_job_id(entry) for entry in abandoned]
    return recovered


def _worker_is_dead(redis: Redis, job_id: str) -> bool:
    job = Job.fetch(job_id, connection=redis)
    if not job.worker_name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name, redis)
    if worker is None:
        return True  # its registration expired: it stopped heartbeating long ago
    if worker.hostname != socket.gethostname() or worker.pid is None:
        return False  # on another machine: RQ's heartbeat expiry decides
    return not _process_alive(worker.pid)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
