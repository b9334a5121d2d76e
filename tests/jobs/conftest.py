"""The jobs under test: PostgreSQL, Redis (a database number of their own), the sandbox stores
over real HTTP, and a Shopify shop installed through the sandbox's real OAuth flow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from redis import Redis
from sqlalchemy import Engine
from sqlmodel import SQLModel

from core.settings import Settings
from integrations.sandbox.stores import SandboxStores, start_sandbox_stores
from integrations.shopify import auth as shopify_auth
from integrations.tokens import TokenCipher
from jobs.api import wait_for_idle
from jobs.context import configure
from models.db import make_engine, migrate, session_scope
from models.enums import ShopPlatform
from models.queries import save_installed_shop
from tests.conftest import shared_specs
from tests.models.conftest import postgres_url  # noqa: F401  (the session's database)
from tests.redis_databases import worker_database

CALLBACK = "http://127.0.0.1:9/auth/callback"  # never called: the test reads the redirect itself
# RQ's keys have fixed names: each xdist worker's jobs tests get a database of their own.
REDIS_DB_FIRST = 3
REDIS_DB_LAST = 0


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxStores]:
    """The sandbox stores with 8 products, small photos and fast media processing."""
    stores = start_sandbox_stores(shared_specs(), (CALLBACK,), products=8, photo_px=700)
    stores.shopify_state.media_processing_s = 0.05
    yield stores
    stores.stop()


@pytest.fixture(scope="session")
def migrated_url(postgres_url: str) -> str:  # noqa: F811
    migrate(postgres_url)
    return postgres_url


@pytest.fixture(scope="session")
def base_settings(
    sandbox: SandboxStores,
    migrated_url: str,
    template_library: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    shopify_app = sandbox.shopify_state.app
    return Settings.from_env({}).with_overrides(
        data_dir=tmp_path_factory.mktemp("adorn-data"),
        database_url=migrated_url,
        templates_dir=template_library,
        token_key=TokenCipher.new_key(),
        variations=2,
        shopify_api_key=shopify_app.client_id,
        shopify_api_secret=shopify_app.client_secret,
        shopify_base_url=f"{sandbox.shopify.base_url}/shops",
        image_hosts=("127.0.0.1",),
    )


@pytest.fixture(scope="session")
def redis_url(worker_id: str) -> Iterator[str]:
    """This xdist worker's Redis database for the jobs tests (skips when Redis is down)."""
    yield from worker_database(worker_id, REDIS_DB_FIRST, REDIS_DB_LAST, "jobs")


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """The jobs tests' Redis database, emptied before and after the test."""
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine for the test's own checks; every row is deleted after the test."""
    test_engine = make_engine(migrated_url)
    yield test_engine
    with test_engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
    test_engine.dispose()


def install_shop(sandbox: SandboxStores, settings: Settings, auto_generate: bool) -> int:
    """Install adorn into the sandbox shop through the real OAuth flow; the shop's row id."""
    app = sandbox.shopify_state.app
    state = shopify_auth.new_state()
    url = shopify_auth.authorization_url(
        sandbox.shop_domain, app.client_id, app.scopes, CALLBACK, state, base_url=sandbox.shop_url
    )
    response = requests.get(url, allow_redirects=False, timeout=10)
    callback = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    shop = shopify_auth.verify_install_query(callback, app.client_secret)
    tokens = shopify_auth.exchange_code(
        shop, callback["code"], app.client_id, app.client_secret, base_url=sandbox.shop_url
    )
    with session_scope(make_engine(settings.database_url)) as session:
        row = save_installed_shop(
            session,
            platform=ShopPlatform.SHOPIFY,
            remote_id=shop,
            name="Adorn Demo Jewelry",
            scopes=tokens.scopes,
            tokens_encrypted=TokenCipher(settings.token_key).encrypt(tokens),
        )
        row.auto_generate = auto_generate
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


@pytest.fixture
def in_process(base_settings: Settings, engine: Engine) -> Iterator[Settings]:
    """Settings for jobs run in-process (no REDIS_URL), configured for this process; the job
    thread is idle again before the rows are deleted."""
    configure(base_settings)
    yield base_settings
    assert wait_for_idle(timeout_s=300), "in-process jobs still running after the test"


@pytest.fixture
def with_redis(base_settings: Settings, engine: Engine, redis: Redis, redis_url: str) -> Settings:
    """Settings for jobs on RQ queues in Redis, configured for this process."""
    settings = base_settings.with_overrides(redis_url=redis_url)
    configure(settings)
    return settings


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment a worker subprocess reads the same settings from."""
    assert settings.redis_url and settings.shopify_api_key and settings.shopify_api_secret
    return {
        **os.environ,
        "ADORN_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "ADORN_TEMPLATES_DIR": str(settings.templates_dir),
        "ADORN_TOKEN_KEY": settings.token_key,
        "ADORN_VARIATIONS": str(settings.variations),
        "SHOPIFY_API_KEY": settings.shopify_api_key,
        "SHOPIFY_API_SECRET": settings.shopify_api_secret,
        "ADORN_SHOPIFY_BASE_URL": settings.shopify_base_url or "",
        "ADORN_IMAGE_HOSTS": ",".join(settings.image_hosts),
        "ADORN_SPECS_DIR": str(settings.specs_dir),
        "ETSY_KEYSTRING": settings.etsy_keystring or "",
        "ETSY_SHARED_SECRET": settings.etsy_shared_secret or "",
        "ADORN_ETSY_API_URL": settings.etsy_api_url,
        "ADORN_ETSY_POLL_S": str(settings.etsy_poll_interval_s),
    }
