"""The clock: the jobs that run on a timer, today the poll of Etsy shops for changed listings
(Etsy sends no webhooks).

Time is cut into slots of `etsy_poll_interval_s`; each slot's poll has a job id of its own and is
enqueued once (queues.enqueue_once), so any number of clocks can run side by side and a restarted
clock does not poll twice. With Redis, `adorn clock` (the Procfile's clock process) runs the
loop; in-process, a daemon thread of the web process runs the same loop.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from core.settings import Settings
from jobs import queues, tasks
from jobs.context import JobContext, configure, current

log = logging.getLogger(__name__)


def poll_job_id(now: float, interval_s: int) -> str:
    """The Etsy poll's job id for the time slot that `now` (seconds since the epoch) falls in."""
    return f"poll-etsy-{int(now // interval_s)}"


def enqueue_due(now: float) -> str | None:
    """Enqueue the Etsy poll of the slot `now` falls in; its job id, or None if a clock (this one
    or another) enqueued it already."""
    job_id = poll_job_id(now, current().settings.etsy_poll_interval_s)
    enqueued = queues.enqueue_once(tasks.poll_etsy_shops, queue=queues.DEFAULT_QUEUE, job_id=job_id)
    return job_id if enqueued else None


def tick_until(stop: threading.Event) -> None:
    """Enqueue each slot's jobs at the start of the slot, until `stop` is set or the process's
    job context is replaced (configure() called again: the clock belonged to the old one).

    A slot missed while Redis is down loses nothing: the next poll asks Etsy for every listing
    changed since the shop's last successful poll.
    """
    context = current()
    while not stop.is_set() and current() is context:
        try:
            job_id = enqueue_due(time.time())
        except queues.QueueUnavailableError as error:
            log.warning("the clock could not enqueue the Etsy poll: %s", error)
        else:
            if job_id is not None:
                log.info("enqueued %s", job_id)
        interval_s = context.settings.etsy_poll_interval_s
        stop.wait(interval_s - time.time() % interval_s)


def run_clock(settings: Settings, stop: threading.Event | None = None) -> None:
    """`adorn clock`: enqueue the timed jobs on Redis until stopped (or `stop` is set)."""
    context = configure(settings)
    if context.redis is None:
        raise RuntimeError("the clock needs REDIS_URL; without it the web process runs the timer")
    tick_until(stop or threading.Event())


@dataclass(frozen=True)
class _Clock:
    thread: threading.Thread
    stop: threading.Event
    context: JobContext


_in_process_clock: _Clock | None = None
_in_process_clock_lock = threading.Lock()


def start_in_process_clock() -> threading.Event:
    """Run the clock on a daemon thread of this process (the embedded default); set the returned
    event to stop it.

    One clock per process: a clock already running for the current job context is kept, one
    left from an earlier context (configure() called again) is stopped and replaced.
    """
    global _in_process_clock
    with _in_process_clock_lock:
        running = _in_process_clock
        if running is not None:
            alive = running.thread.is_alive() and not running.stop.is_set()
            if alive and running.context is current():
                return running.stop
            running.stop.set()
        stop = threading.Event()
        thread = threading.Thread(target=tick_until, args=(stop,), name="adorn-clock", daemon=True)
        thread.start()
        _in_process_clock = _Clock(thread, stop, current())
        return stop
