"""A Shopify sandbox with one installed shop and a live token, for the Admin API tests.

Re-exported by conftest.py; fixture names start with `admin_` to stay apart from the auth
tests' fixtures.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask

from integrations.sandbox.server import RunningServer, serve_in_thread
from integrations.sandbox.shopify.admin_api import BUCKET_KEY, SCHEMA_PATH_KEY
from integrations.sandbox.shopify.app import create_shopify_sandbox
from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.seed import make_shop
from integrations.sandbox.shopify.state import (
    SandboxApp,
    SandboxShop,
    SandboxToken,
    ShopifySandboxState,
)
from integrations.sandbox.stores import SHOPIFY_SCHEMA_FILE
from integrations.shopify.graphql_client import AdminClient, RetryPolicy
from tests.conftest import shared_specs

SHOP = "adorn-admin-test.myshopify.com"
# Quick retries keep the failure tests fast; the policy's shape is what they check.
FAST_RETRY = RetryPolicy(max_attempts=5, backoff_base_s=0.01, backoff_max_s=0.2)


@dataclass
class AdminSandbox:
    """The running sandbox, its state, and the shop adorn is installed in."""

    state: ShopifySandboxState
    app: Flask
    server: RunningServer
    shop: str
    token: SandboxToken

    @property
    def shop_url(self) -> str:
        """What https://<shop> is while talking to the sandbox."""
        return f"{self.server.base_url}/shops/{self.shop}"

    @property
    def shop_state(self) -> SandboxShop:
        return self.state.shops[self.shop]

    def client(
        self,
        http: requests.Session,
        retry: RetryPolicy = FAST_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> AdminClient:
        """An Admin API client for the shop, reading the token the sandbox issued."""
        return AdminClient(
            self.shop,
            self.shop_url,
            lambda: self.token.access_token,
            http,
            retry=retry,
            sleep=sleep,
        )

    def set_bucket(self, settings: BucketSettings, available: float) -> None:
        """Change the cost bucket and start the shop's bucket at `available` points now."""
        self.app.config[BUCKET_KEY] = settings
        with self.state.lock:
            self.shop_state.bucket_available = available
            self.shop_state.bucket_updated = time.monotonic()


@pytest.fixture
def admin_sandbox() -> Iterator[AdminSandbox]:
    """A fresh sandbox per test: one shop, installed, with a live offline token."""
    state = ShopifySandboxState(
        app=SandboxApp("adorn-admin-client", "shpss_admin_test_secret", ("write_products",)),
        media_processing_s=0.05,
    )
    make_shop(state, SHOP).installed = True
    token = SandboxToken(
        shop=SHOP,
        access_token=f"shpat_{secrets.token_hex(16)}",
        refresh_token=None,
        expires_at=time.time() + 3600,
        refresh_expires_at=None,
        scopes=state.app.scopes,
    )
    state.tokens[token.access_token] = token
    app = create_shopify_sandbox(state)
    app.config[SCHEMA_PATH_KEY] = str(shared_specs() / SHOPIFY_SCHEMA_FILE)
    server = serve_in_thread(app)
    yield AdminSandbox(state, app, server, SHOP, token)
    server.stop()


@pytest.fixture
def admin_http() -> Iterator[requests.Session]:
    """A plain HTTP session (no credentials in it: the client adds the token per request)."""
    with requests.Session() as session:
        yield session
