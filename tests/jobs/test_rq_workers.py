"""Jobs on Redis with real RQ workers in subprocesses: deterministic ids dedupe, the whole flow,
a worker killed mid-job, shop/redact and app/uninstalled."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import Engine
from sqlmodel import col, select

from core.settings import Settings
from integrations.sandbox.stores import SandboxStores
from jobs import api
from models.db import session_scope
from models.enums import ImageStatus, PublicationStatus, RunStatus
from models.tables import GeneratedImage, GenerationRun, ListingCopy, Product, Publication, Shop
from tests.jobs.conftest import install_shop, worker_env
from tests.jobs.test_flow_in_process import adorn_media

WORKER = (
    "import sys; from core.settings import Settings; from jobs.worker import run_worker; "
    "run_worker(Settings.from_env(), [sys.argv[1]], burst=sys.argv[2] == 'burst')"
)


def start_worker(settings: Settings, queue: str, burst: bool) -> subprocess.Popen[bytes]:
    """An RQ worker in its own process group (its scheduler child goes with it at cleanup)."""
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, queue, "burst" if burst else "forever"],
        env=worker_env(settings),
        start_new_session=True,
    )


def run_burst(settings: Settings, queue: str) -> None:
    worker = start_worker(settings, queue, burst=True)
    assert worker.wait(timeout=240) == 0


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Long-running workers a test starts; their process groups are ended after it."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for worker in started:
        with contextlib.suppress(ProcessLookupError):  # the group outlives a killed worker
            os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_deterministic_job_ids_enqueue_once(
    sandbox: SandboxStores, with_redis: Settings, redis: Redis
) -> None:
    at = datetime.now(UTC)
    payload = {"admin_graphql_api_id": "gid://shopify/Product/1"}
    first = api.enqueue_webhook(sandbox.shop_domain, "products/update", "evt-9", at, payload)
    again = api.enqueue_webhook(sandbox.shop_domain, "products/update", "evt-9", at, payload)
    assert first is not None and again is None
    assert api.enqueue_generate(41, 3) == api.enqueue_generate(41, 3)  # a double click
    assert api.enqueue_publish(41, ["shopify"]) == api.enqueue_publish(41, ["shopify", "shopify"])
    assert Queue("default", connection=redis).count == 2
    assert Queue("gpu", connection=redis).count == 1
    assert api.job_status(first).state == "queued"


def test_the_flow_with_real_workers(
    sandbox: SandboxStores, with_redis: Settings, engine: Engine
) -> None:
    shop_id = install_shop(sandbox, with_redis, auto_generate=False)
    sync_id = api.enqueue_sync(shop_id)
    run_burst(with_redis, "default")
    assert api.job_status(sync_id).state == "finished"
    product_id = _product_of_type(engine, shop_id, "pendant")

    generate_id = api.enqueue_generate(product_id, base_seed=3)
    describe_id = api.enqueue_describe(product_id)
    run_burst(with_redis, "gpu")
    assert api.job_status(generate_id).state == "finished", api.job_status(generate_id).error
    run_burst(with_redis, "default")
    assert api.job_status(describe_id).state == "finished", api.job_status(describe_id).error

    _approve_all(engine, product_id)
    publish_id = api.enqueue_publish(product_id, ["shopify"])
    run_burst(with_redis, "default")
    assert api.job_status(publish_id).state == "finished", api.job_status(publish_id).error
    remote_ids = sorted(p.remote_image_id or "" for p in _publications(engine, product_id))
    assert len(remote_ids) == 2 and all(remote_ids)
    assert sorted(adorn_media(sandbox, _remote_id(engine, product_id))) == remote_ids


def test_a_worker_killed_mid_job_is_retried_and_nothing_is_lost_or_duplicated(
    sandbox: SandboxStores,
    with_redis: Settings,
    engine: Engine,
    redis: Redis,
    workers: list[subprocess.Popen[bytes]],
) -> None:
    settings = with_redis.with_overrides(variations=4)
    shop_id = install_shop(sandbox, settings, auto_generate=False)
    api.enqueue_sync(shop_id)
    run_burst(settings, "default")
    product_id = _product_of_type(engine, shop_id, "ring")
    job_id = api.enqueue_generate(product_id, base_seed=11)

    doomed = start_worker(settings, "gpu", burst=False)
    workers.append(doomed)
    # Killed while rendering its second variation (variations may be stored one by one or
    # together at the end: either way the retry must leave four, none twice).
    # Generous: beside another test process on two cores, a cold worker took over 120 s.
    wait_for(lambda: "variation 2" in api.job_status(job_id).step, 300, "a second variation")
    assert api.job_status(job_id).state == "started"
    os.kill(doomed.pid, signal.SIGKILL)  # the worker only: its scheduler child lives on
    doomed.wait(timeout=10)
    assert api.job_status(job_id).state == "started"  # RQ does not know yet
    assert _image_count(engine, product_id) < 4

    workers.append(start_worker(settings, "gpu", burst=False))
    wait_for(lambda: api.job_status(job_id).state == "finished", 180, "the retried job")
    assert Job.fetch(job_id, connection=redis).retries_left == 2  # RQ's retry: one try spent

    with session_scope(engine) as session:
        runs = session.exec(
            select(GenerationRun).where(GenerationRun.product_id == product_id)
        ).all()
        assert [(r.status, r.base_seed) for r in runs] == [(RunStatus.DONE, 11)]  # one run, reused
        images = session.exec(
            select(GeneratedImage).where(GeneratedImage.product_id == product_id)
        ).all()
        assert sorted(i.variation_index for i in images) == [0, 1, 2, 3]
        for image in images:
            assert (settings.data_dir / "files" / image.render_path).is_file()

    _approve_all(engine, product_id)
    for _ in range(2):  # publishing twice sends nothing twice
        api.enqueue_publish(product_id, ["shopify"])
        run_burst(settings, "default")
    publications = _publications(engine, product_id)
    assert len(publications) == 4
    assert all(p.status == PublicationStatus.PUBLISHED for p in publications)
    assert sorted(adorn_media(sandbox, _remote_id(engine, product_id))) == sorted(
        p.remote_image_id or "" for p in publications
    )


def test_shop_redact_deletes_rows_and_files_and_uninstall_stops_jobs(
    sandbox: SandboxStores, with_redis: Settings, engine: Engine
) -> None:
    shop_id = install_shop(sandbox, with_redis, auto_generate=False)
    api.enqueue_sync(shop_id)
    run_burst(with_redis, "default")
    product_id = _product_of_type(engine, shop_id, "earrings")
    api.enqueue_generate(product_id, base_seed=5)
    run_burst(with_redis, "gpu")
    shop_files = with_redis.data_dir / "files" / str(shop_id)
    assert any(shop_files.rglob("*.png"))

    at = datetime.now(UTC)
    uninstall = api.enqueue_webhook(sandbox.shop_domain, "app/uninstalled", "u-1", at, {})
    run_burst(with_redis, "default")
    assert uninstall and api.job_status(uninstall).state == "finished"
    describe_id = api.enqueue_describe(product_id)
    sync_id = api.enqueue_sync(shop_id)
    run_burst(with_redis, "default")
    assert api.job_status(describe_id).state == "finished"  # it returned without working
    assert api.job_status(sync_id).state == "finished"
    with session_scope(engine) as session:
        shop = session.get(Shop, shop_id)
        assert shop is not None and shop.uninstalled_at and shop.tokens_encrypted is None
        assert session.exec(select(Product).where(Product.id == product_id)).one()
        assert session.exec(select(ListingCopy)).first() is None  # describe did no work

    redact = api.enqueue_webhook(sandbox.shop_domain, "shop/redact", "r-1", at, {})
    run_burst(with_redis, "default")
    assert redact and api.job_status(redact).state == "finished"
    assert not shop_files.exists()
    with session_scope(engine) as session:
        assert session.get(Shop, shop_id) is None
        assert session.get(Product, product_id) is None


def _product_of_type(engine: Engine, shop_id: int, jewelry_type: str) -> int:
    with session_scope(engine) as session:
        product = session.exec(
            select(Product).where(Product.shop_id == shop_id, Product.jewelry_type == jewelry_type)
        ).first()
        assert product is not None and product.id is not None
        return product.id


def _remote_id(engine: Engine, product_id: int) -> str:
    with session_scope(engine) as session:
        product = session.get(Product, product_id)
        assert product is not None
        return product.remote_id


def _image_count(engine: Engine, product_id: int) -> int:
    with session_scope(engine) as session:
        return len(
            session.exec(
                select(GeneratedImage).where(GeneratedImage.product_id == product_id)
            ).all()
        )


def _approve_all(engine: Engine, product_id: int) -> None:
    with session_scope(engine) as session:
        for image in session.exec(
            select(GeneratedImage).where(GeneratedImage.product_id == product_id)
        ):
            image.status = ImageStatus.APPROVED
            session.add(image)


def _publications(engine: Engine, product_id: int) -> list[Publication]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Publication)
                .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
                .where(GeneratedImage.product_id == product_id)
            )
        )
