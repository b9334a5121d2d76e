"""The clock: each time slot's Etsy poll is enqueued once however many clocks run, with Redis
(`adorn clock` processes) and in-process (a thread of the web process); the poll then syncs the
listings that changed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import Engine
from sqlmodel import select

from core.settings import Settings
from integrations.etsy.auth import DEFAULT_SCOPES
from integrations.sandbox.stores import SandboxStores
from integrations.tokens import TokenCipher, TokenSet
from jobs import api, schedule
from jobs.context import configure
from jobs.queues import UnknownJobError
from models.db import session_scope
from models.enums import ShopPlatform
from models.queries import save_installed_shop
from models.tables import Product, Shop
from tests.jobs.conftest import worker_env
from tests.jobs.test_rq_workers import run_burst, wait_for

CLOCK = "from app.cli import main; main()"


def etsy_settings(settings: Settings, sandbox: SandboxStores, interval_s: int) -> Settings:
    """`settings` pointed at the Etsy sandbox, polling every `interval_s` seconds."""
    etsy = {k: v for k, v in sandbox.app_settings().items() if k.startswith("etsy_")}
    return settings.with_overrides(etsy_poll_interval_s=interval_s, **etsy)


def install_etsy_shop(sandbox: SandboxStores, settings: Settings) -> int:
    """The sandbox's Etsy shop saved with tokens the sandbox issued; its row id."""
    state, etsy_shop = sandbox.etsy_state, sandbox.etsy_shop
    token = state.issue_tokens(etsy_shop.user_id, DEFAULT_SCOPES, grant_id=state.new_id())
    tokens = TokenSet(
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        expires_at=datetime.fromtimestamp(token.expires_at, UTC),
        refresh_expires_at=datetime.fromtimestamp(token.refresh_expires_at, UTC),
        scopes=DEFAULT_SCOPES,
    )
    with session_scope(configure(settings).engine) as session:
        shop = save_installed_shop(
            session,
            platform=ShopPlatform.ETSY,
            remote_id=str(etsy_shop.shop_id),
            name=etsy_shop.shop_name,
            scopes=DEFAULT_SCOPES,
            tokens_encrypted=TokenCipher(settings.token_key).encrypt(tokens),
        )
        shop.auto_generate = False
        session.add(shop)
        session.flush()
        assert shop.id is not None
        return shop.id


@pytest.fixture
def clocks() -> Iterator[list[subprocess.Popen[bytes]]]:
    """`adorn clock` processes a test starts; stopped after it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for clock in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(clock.pid, signal.SIGTERM)
        clock.wait(timeout=30)


def test_each_slot_is_enqueued_once_whatever_the_state_of_its_job(
    with_redis: Settings, redis: Redis
) -> None:
    settings = with_redis.with_overrides(etsy_poll_interval_s=60)
    configure(settings)
    slot_start = 1_800_000_000.0  # a multiple of 60

    first = schedule.enqueue_due(slot_start + 1)
    assert first == "poll-etsy-30000000"
    assert schedule.enqueue_due(slot_start + 59) is None  # a second clock, same slot
    run_burst(settings, "default")
    assert api.job_status(first).state == "finished"
    assert schedule.enqueue_due(slot_start + 30) is None  # finished: still this slot's
    assert schedule.enqueue_due(slot_start + 60) == "poll-etsy-30000001"
    assert Queue("default", connection=redis).job_ids == ["poll-etsy-30000001"]


def test_two_clock_processes_enqueue_one_poll_per_slot_and_the_poll_syncs_etsy(
    sandbox: SandboxStores,
    with_redis: Settings,
    engine: Engine,
    redis: Redis,
    clocks: list[subprocess.Popen[bytes]],
) -> None:
    settings = etsy_settings(with_redis, sandbox, interval_s=1)
    shop_id = install_etsy_shop(sandbox, settings)
    queue = Queue("default", connection=redis)

    for _ in range(2):
        clocks.append(
            subprocess.Popen(
                [sys.executable, "-c", CLOCK, "clock"],
                env=worker_env(settings),
                start_new_session=True,
            )
        )
    wait_for(lambda: len(queue.job_ids) >= 4, 90, "four slots' polls")
    for clock in clocks:
        os.killpg(clock.pid, signal.SIGTERM)
        clock.wait(timeout=30)

    polls = queue.job_ids
    slots = [int(job_id.removeprefix("poll-etsy-")) for job_id in polls]
    assert slots == sorted(set(slots))  # each slot's poll once, though two clocks ran
    run_burst(settings, "default")
    synced = Job.fetch(polls[0], connection=redis).return_value()
    assert synced and [Job.fetch(p, connection=redis).return_value() for p in polls[1:]] == [0] * (
        len(polls) - 1
    )  # later polls: nothing changed since
    with session_scope(engine) as session:
        products = session.exec(select(Product).where(Product.shop_id == shop_id)).all()
        shop = session.get(Shop, shop_id)
        assert len(products) == synced
        assert shop is not None and shop.last_polled_at is not None


def test_the_in_process_clock_polls_etsy_on_the_job_thread(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    settings = etsy_settings(in_process, sandbox, interval_s=1)
    shop_id = install_etsy_shop(sandbox, settings)  # also configures the process for settings

    started = time.time()
    stop = schedule.start_in_process_clock()
    try:
        assert schedule.start_in_process_clock() is stop  # one clock per process
        wait_for(lambda: _product_count(engine, shop_id) > 0, 120, "the first poll's syncs")
    finally:
        stop.set()
    assert api.wait_for_idle(timeout_s=120)

    first_slots = [schedule.poll_job_id(started + s, 1) for s in (0, 1)]
    assert "finished" in {_state(job_id) for job_id in first_slots}  # read as with RQ
    with session_scope(engine) as session:
        shop = session.get(Shop, shop_id)
        assert shop is not None and shop.last_polled_at is not None


def _state(job_id: str) -> str | None:
    try:
        return api.job_status(job_id).state
    except UnknownJobError:
        return None


def _product_count(engine: Engine, shop_id: int) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(Product).where(Product.shop_id == shop_id)).all())
