"""The web app in headless Chromium: the real app on loopback, the sandbox stores, PostgreSQL,
Redis and two RQ workers (default and gpu queues) in subprocesses, as in production.

One set per test session (per xdist worker). The first install generates every product (the
shop's auto-generate is on), so the catalog is kept to two products with small photos and one
variation each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from app import create_app
from core.settings import Settings
from integrations.sandbox.server import RunningServer, serve_in_thread
from integrations.sandbox.stores import SandboxStores, start_sandbox_stores
from integrations.tokens import TokenCipher
from jobs.context import configure
from tests.conftest import shared_specs
from tests.jobs.test_rq_workers import start_worker
from tests.models.conftest import postgres_url  # noqa: F401  (the session's database)
from tests.redis_databases import worker_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# RQ's keys have fixed names: a Redis database per xdist worker, apart from the app tests' (12..4)
# and the jobs tests' (13).
REDIS_DB_FIRST = 15
REDIS_DB_LAST = 14


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (Playwright's own browser download is not used)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def app_url() -> str:
    """A free loopback port for the app: the sandbox must know its callback before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def sandbox(app_url: str) -> Iterator[SandboxStores]:
    """The sandbox stores with two products (a ring and a pendant necklace), small photos."""
    callbacks = (f"{app_url}/auth/shopify/callback", f"{app_url}/auth/etsy/callback")
    stores = start_sandbox_stores(shared_specs(), callbacks, products=2, photo_px=600)
    stores.shopify_state.media_processing_s = 0.05
    yield stores
    stores.stop()


@pytest.fixture(scope="session")
def redis_url(worker_id: str) -> Iterator[str]:
    """This test process's Redis database, emptied before and after the session."""
    yield from worker_database(worker_id, REDIS_DB_FIRST, REDIS_DB_LAST, "browser")


@pytest.fixture(scope="session")
def settings(
    app_url: str,
    sandbox: SandboxStores,
    redis_url: str,
    postgres_url: str,  # noqa: F811
    template_library: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """Settings pointing adorn at the sandboxes, the test database and Redis; one variation."""
    return Settings.from_env({}).with_overrides(
        data_dir=tmp_path_factory.mktemp("adorn-data"),
        database_url=postgres_url,
        redis_url=redis_url,
        templates_dir=template_library,
        variations=1,
        app_url=app_url,
        secret_key="browser-test-secret-key",
        token_key=TokenCipher.new_key(),
        **sandbox.app_settings(),
    )


@pytest.fixture(scope="session")
def workers(settings: Settings) -> Iterator[None]:
    """An RQ worker for each queue, in its own process group, for the whole session."""
    started = [start_worker(settings, queue, burst=False) for queue in ("default", "gpu")]
    yield
    for worker in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


@pytest.fixture(scope="session")
def server(settings: Settings, app_url: str, workers: None) -> Iterator[RunningServer]:
    """The real app, served on the reserved port."""
    running = serve_in_thread(create_app(settings), port=int(app_url.rsplit(":", 1)[1]))
    assert running.base_url == app_url
    yield running
    running.stop()


@pytest.fixture
def app_base(server: RunningServer, settings: Settings) -> str:
    """The app's URL; the process's job context is the browser tests' (other tests change it)."""
    configure(settings)
    return server.base_url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page per test."""
    context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
