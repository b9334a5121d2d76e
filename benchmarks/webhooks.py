"""Webhook acknowledgement under load: gunicorn on loopback, PostgreSQL and Redis behind it.

    python benchmarks/webhooks.py [--rate 200] [--seconds 30] [--duplicates 0.05] [--drain]

Starts gunicorn serving create_app() as the Procfile does, on a throwaway PostgreSQL database
(created and dropped here) and an empty Redis database (emptied afterwards), then sends signed
Shopify webhooks at a fixed rate, some of them redeliveries of an event already sent. Prints
p50/p99 acknowledgement latency (target p99 <= 50 ms) and how many events were enqueued exactly
once (target: all), counted from the queue afterwards: no worker runs during the load. With
--drain, a worker then runs every queued job and the webhook_events rows the jobs recorded
are counted (target: one per event, each processed).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
from rq import SimpleWorker
from sqlalchemy import create_engine, func
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli_tables import format_table
from core.settings import Settings
from integrations.shopify.webhooks import webhook_hmac
from jobs.context import configure
from jobs.queues import DEFAULT_QUEUE, webhook_job_id
from models.db import make_engine, migrate
from models.tables import WebhookEvent

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SHOP = "adorn-bench.myshopify.com"
SENDER_THREADS = 32


@dataclass(frozen=True)
class Delivery:
    """One POST: an event id (a redelivery repeats an earlier one) and when to send it."""

    event_id: str
    due: float  # seconds after the start
    body: bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=200, help="webhooks per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of redeliveries")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--drain", action="store_true", help="run the queued jobs afterwards")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the Redis server")
    parser.add_argument("--redis-db", type=int, default=2, help="must be empty; emptied after")
    args = parser.parse_args()

    secret = f"shpss_{secrets.token_hex(16)}"
    deliveries = _plan(args.rate, args.seconds, args.duplicates)
    with _database() as database_url, _redis_db(args.redis, args.redis_db) as redis_url:
        engine = make_engine(database_url)
        migrate(engine)  # once, before the workers start
        engine.dispose()
        with _gunicorn(database_url, redis_url, secret, args.workers, args.threads) as base_url:
            answers, latencies, late = _send(f"{base_url}/webhooks/shopify", deliveries, secret)
        queued = _queued_job_ids(redis_url)
        drain_s = _drain(database_url, redis_url) if args.drain else None
        recorded, processed = _recorded_events(database_url)

    unique = {d.event_id for d in deliveries}
    expected_jobs = {webhook_job_id(event_id) for event_id in unique}
    exactly_once = len(expected_jobs & {job for job, n in queued.items() if n == 1})
    rows = [
        ["gunicorn", f"{args.workers} workers x {args.threads} threads (gthread)"],
        ["deliveries sent", f"{len(deliveries)} in {args.seconds:.0f} s ({args.rate}/s)"],
        ["unique events (redeliveries)", f"{len(unique)} ({len(deliveries) - len(unique)})"],
        ["answers", ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))],
        ["ack latency p50", f"{statistics.median(latencies) * 1000:.1f} ms"],
        ["ack latency p99 (target <= 50)", f"{_percentile(latencies, 99) * 1000:.1f} ms"],
        ["ack latency max", f"{max(latencies) * 1000:.1f} ms"],
        ["sent > 10 ms behind schedule", str(late)],
        ["events enqueued exactly once", f"{exactly_once} of {len(unique)}"],
        ["jobs queued (extra)", f"{sum(queued.values())} ({len(set(queued) - expected_jobs)})"],
    ]
    if drain_s is not None:
        rows += [
            ["jobs run afterwards", f"{sum(queued.values())} in {drain_s:.0f} s"],
            ["webhook_events rows (processed)", f"{recorded} ({processed})"],
        ]
    print(format_table(["measure", "value"], rows))


def _plan(rate: int, seconds: float, duplicate_share: float) -> list[Delivery]:
    """Evenly spaced deliveries; a redelivery repeats an event sent at least a second earlier."""
    rng = random.Random(7)
    deliveries: list[Delivery] = []
    for index in range(int(rate * seconds)):
        due = index / rate
        if index > rate and rng.random() < duplicate_share:
            first = deliveries[rng.randrange(index - rate)]
            deliveries.append(Delivery(first.event_id, due, first.body))
            continue
        product_id = 1000 + index
        body = json.dumps(
            {"id": product_id, "admin_graphql_api_id": f"gid://shopify/Product/{product_id}"}
        ).encode()
        deliveries.append(Delivery(f"bench-{index}-{secrets.token_hex(4)}", due, body))
    return deliveries


def _send(
    url: str, deliveries: list[Delivery], secret: str
) -> tuple[Counter[str], list[float], int]:
    """POST every delivery at its due time from a pool of senders; answers, latencies, late ones."""
    local = threading.local()
    started = time.monotonic() + 0.5

    def post(delivery: Delivery) -> tuple[str, float, bool]:
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        wait = started + delivery.due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        late = -wait > 0.010
        sent = time.perf_counter()
        answer = http.post(url, data=delivery.body, headers=_headers(delivery, secret), timeout=10)
        latency = time.perf_counter() - sent
        return f"{answer.status_code} {answer.text[:20]}", latency, late

    with ThreadPoolExecutor(SENDER_THREADS) as pool:
        results = list(pool.map(post, deliveries))
    return Counter(r[0] for r in results), [r[1] for r in results], sum(r[2] for r in results)


def _headers(delivery: Delivery, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": webhook_hmac(delivery.body, secret),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": secrets.token_hex(8),
        "X-Shopify-Event-Id": delivery.event_id,
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "X-Shopify-API-Version": "2025-10",
    }


@contextmanager
def _database() -> Iterator[str]:
    """A PostgreSQL database for this run, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"adorn_bench_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def _redis_db(server: str, number: int) -> Iterator[str]:
    """The Redis database `number` on `server`, which must be empty; emptied afterwards."""
    url = f"{server.rstrip('/')}/{number}"
    client = redis.Redis.from_url(url)
    if client.dbsize():
        raise SystemExit(f"Redis database {number} is not empty: pick another with --redis-db")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@contextmanager
def _gunicorn(
    database_url: str, redis_url: str, secret: str, workers: int, threads: int
) -> Iterator[str]:
    """gunicorn as in the Procfile, on a free loopback port; its base URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="adorn-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ADORN_DATA_DIR": data_dir,
        "SHOPIFY_API_KEY": "bench-client-id",
        "SHOPIFY_API_SECRET": secret,
    }
    command = [
        sys.executable, "-m", "gunicorn", "app:create_app()",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(command, cwd=root, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base_url}/connect", server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still importing
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def _queued_job_ids(redis_url: str) -> Counter[str]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    ids = [str(job_id) for job_id in client.lrange(f"rq:queue:{DEFAULT_QUEUE}", 0, -1)]
    client.close()
    return Counter(ids)


def _drain(database_url: str, redis_url: str) -> float:
    """Run every queued job with one worker in this process; the seconds it took."""
    logging.getLogger("rq.worker").setLevel(logging.WARNING)
    settings = Settings.from_env({}).with_overrides(
        database_url=database_url,
        redis_url=redis_url,
        data_dir=Path(tempfile.mkdtemp(prefix="adorn-bench-")),
    )
    context = configure(settings)
    assert context.redis is not None
    started = time.monotonic()
    worker = SimpleWorker([context.rq_queue(DEFAULT_QUEUE)], connection=context.redis)
    worker.work(burst=True, logging_level="WARNING")
    return time.monotonic() - started


def _recorded_events(database_url: str) -> tuple[int, int]:
    """The webhook_events rows, and how many of them are marked processed."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(WebhookEvent)).one()
        processed = session.exec(
            select(func.count())
            .select_from(WebhookEvent)
            .where(col(WebhookEvent.processed_at).is_not(None))
        ).one()
    engine.dispose()
    return count, processed


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


if __name__ == "__main__":
    main()
