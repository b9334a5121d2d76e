"""A Redis database per test suite and xdist worker: RQ's keys have fixed names, so suites that run
side by side keep them in databases of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

# The server the tests use; another one (e.g. a second redis-server on another port) lets two
# test runs on one machine keep out of each other's databases.
TEST_REDIS_SERVER = os.environ.get("ADORN_TEST_REDIS", "redis://127.0.0.1:6379")


def database_url(number: int) -> str:
    """The URL of database `number` on the test Redis server."""
    return f"{TEST_REDIS_SERVER}/{number}"


def worker_database(worker_id: str, first: int, last: int, suite: str) -> Iterator[str]:
    """Yield the URL of database `first - worker number` (skip past `last`), emptied before and
    after; skip when Redis is unreachable. Use with `yield from` in a session fixture."""
    worker = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    database = first - worker
    if database < last:
        pytest.skip(f"too many xdist workers for the {suite} tests' Redis databases ({worker_id})")
    url = database_url(database)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis unreachable at {url}: {error}")
    yield url
    client.flushdb()
    client.close()
