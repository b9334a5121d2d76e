"""The web app under test: PostgreSQL, Redis, and the sandbox stores over real HTTP.

Jobs go to RQ queues that no worker serves here, so a view's test sees exactly what the view did
(verify, enqueue, respond), not the minutes of syncing and rendering behind it.
One sandbox and one database per test session; a fresh app per test, and every row and queued job
deleted after it, so tests do not see each other's shops.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlmodel import SQLModel

from app import create_app
from core.settings import Settings
from integrations.sandbox.stores import SandboxStores, start_sandbox_stores
from integrations.tokens import TokenCipher
from jobs.context import current
from tests.conftest import shared_specs
from tests.models.conftest import postgres_url  # noqa: F401  (the session's database)
from tests.redis_databases import worker_database

APP_URL = "http://adorn.test"  # the test client's host: redirects to it are followed by hand
# RQ's keys have fixed names: the app tests keep theirs in databases of their own, one per
# xdist worker (12, 11, ...; the jobs tests use 3, 2, ...).
REDIS_DB_FIRST = 12
REDIS_DB_LAST = 4
CALLBACKS = (f"{APP_URL}/auth/shopify/callback", f"{APP_URL}/auth/etsy/callback")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxStores]:
    """The Shopify and Etsy sandboxes with a small catalog, on loopback."""
    stores = start_sandbox_stores(shared_specs(), CALLBACKS, products=3, photo_px=600)
    yield stores
    stores.stop()


@pytest.fixture(scope="session")
def redis_url(worker_id: str) -> Iterator[str]:
    """This test process's Redis database, emptied before and after the session."""
    yield from worker_database(worker_id, REDIS_DB_FIRST, REDIS_DB_LAST, "app")


@pytest.fixture(scope="session")
def settings(
    sandbox: SandboxStores,
    redis_url: str,
    postgres_url: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """Settings pointing adorn at the sandboxes and the test database."""
    return Settings.from_env({}).with_overrides(
        data_dir=tmp_path_factory.mktemp("adorn-data"),
        database_url=postgres_url,
        redis_url=redis_url,
        templates_dir=tmp_path_factory.mktemp("templates"),  # no view renders
        app_url=APP_URL,
        secret_key="test-secret-key",
        token_key=TokenCipher.new_key(),
        **sandbox.app_settings(),
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A fresh app (and job context) per test; every row and queued job is deleted afterwards."""
    flask_app = create_app(settings)
    yield flask_app
    _delete_all_rows(current().engine)
    assert settings.redis_url is not None
    redis.Redis.from_url(settings.redis_url).flushdb()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _delete_all_rows(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
