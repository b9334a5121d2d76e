"""A Redis database per test suite and xdist worker: RQ's keys have fixed names, so suites that run
side by side keep them in databases of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis


def worker_database(worker_id: str, first: int, last: int, suite: str) -> Iterator[str]:
    """Yield the URL of database `first - worker number` (skip past `last`), emptied before and
    after; skip when Redis is unreachable. Use with `yield from` in a session fixture."""
    worker = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    database = first - worker
    if database < last:
        pytest.skip(f"too many xdist workers for the {suite} tests' Redis databases ({worker_id})")
    url = f"redis://127.0.0.1:6379/{database}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis unreachable at {url}: {error}")
    yield url
    client.flushdb()
    client.close()
