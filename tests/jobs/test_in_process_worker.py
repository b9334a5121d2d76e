"""The embedded default's job thread: enqueue answers at once, jobs run one after another in the
order enqueued, and their status and progress read as with RQ."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from core.settings import Settings
from jobs import api, queues
from jobs.context import configure

ran: list[str] = []
release = threading.Event()


def blocking_job(name: str) -> None:
    """Report progress, then wait until the test releases it."""
    queues.report_progress(0.25, f"{name} waiting")
    assert release.wait(timeout=30), "the test never released the job"
    ran.append(name)


def recording_job(name: str) -> None:
    ran.append(name)


def chaining_job(name: str) -> None:
    """Enqueue a follow-up job, as a sync enqueues each new product's generation."""
    ran.append(name)
    queues.enqueue(recording_job, f"{name} follow-up", queue=queues.DEFAULT_QUEUE)


def failing_job() -> None:
    queues.report_progress(0.5, "half way")
    raise ValueError("the store said no")


@pytest.fixture
def jobs_in_process(base_settings: Settings) -> Iterator[Settings]:
    """In-process jobs on a fresh context; the job thread is idle and released afterwards."""
    configure(base_settings)
    ran.clear()
    release.clear()
    yield base_settings
    release.set()
    assert api.wait_for_idle(timeout_s=30)


def test_enqueue_answers_while_the_job_runs_and_progress_reads_as_with_rq(
    jobs_in_process: Settings,
) -> None:
    job_id = queues.enqueue(blocking_job, "first", queue=queues.DEFAULT_QUEUE, job_id="block-1")

    assert job_id == "block-1" and ran == []  # enqueue returned before the job ended
    assert not api.wait_for_idle(timeout_s=0.5)
    status = api.job_status(job_id)
    assert (status.state, status.progress, status.step) == ("started", 0.25, "first waiting")

    release.set()
    assert api.wait_for_idle(timeout_s=10)
    assert ran == ["first"]
    assert api.job_status(job_id) == api.JobStatus("block-1", "finished", 1.0, "done", None)


def test_jobs_run_one_at_a_time_in_the_order_enqueued(jobs_in_process: Settings) -> None:
    queues.enqueue(blocking_job, "a", queue=queues.DEFAULT_QUEUE)
    chained = queues.enqueue(chaining_job, "b", queue=queues.GPU_QUEUE)
    queued = queues.enqueue(recording_job, "c", queue=queues.DEFAULT_QUEUE)

    assert api.job_status(chained).state == "queued"
    assert api.job_status(queued).state == "queued"
    release.set()
    assert api.wait_for_idle(timeout_s=10)  # waits for the follow-up enqueued meanwhile too
    assert ran == ["a", "b", "c", "b follow-up"]


def test_a_pending_job_id_is_queued_once_and_a_finished_one_runs_again(
    jobs_in_process: Settings,
) -> None:
    queues.enqueue(blocking_job, "x", queue=queues.DEFAULT_QUEUE, job_id="same")
    queues.enqueue(blocking_job, "y", queue=queues.DEFAULT_QUEUE, job_id="same")  # a double click
    assert not queues.enqueue_once(recording_job, "z", queue=queues.DEFAULT_QUEUE, job_id="same")
    release.set()
    assert api.wait_for_idle(timeout_s=10)
    assert ran == ["x"]

    queues.enqueue(recording_job, "again", queue=queues.DEFAULT_QUEUE, job_id="same")
    assert api.wait_for_idle(timeout_s=10)
    assert ran == ["x", "again"]
    # enqueue_once never runs a known id again, whatever its state
    assert not queues.enqueue_once(recording_job, "z", queue=queues.DEFAULT_QUEUE, job_id="same")


def test_a_failed_job_reads_failed_with_its_error_and_the_thread_goes_on(
    jobs_in_process: Settings,
) -> None:
    failed = queues.enqueue(failing_job, queue=queues.DEFAULT_QUEUE)
    after = queues.enqueue(recording_job, "after", queue=queues.DEFAULT_QUEUE)

    assert api.wait_for_idle(timeout_s=10)
    status = api.job_status(failed)
    assert (status.state, status.progress) == ("failed", 0.5)
    assert status.error == "ValueError: the store said no"
    assert api.job_status(after).state == "finished" and ran == ["after"]
    with pytest.raises(queues.UnknownJobError):
        api.job_status("never-enqueued")
