"""A Shopify sandbox with two shops, served on loopback for each test, and adorn's credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from integrations.sandbox.server import RunningServer, serve_in_thread
from integrations.sandbox.shopify.access import require_token
from integrations.sandbox.shopify.app import create_shopify_sandbox
from integrations.sandbox.shopify.state import SandboxApp, SandboxShop, ShopifySandboxState

TokenOwnerProbe = Callable[[str, str], requests.Response]


@pytest.fixture
def sandbox_app() -> SandboxApp:
    """adorn as registered with the sandbox: the credentials the tests act with."""
    return SandboxApp(
        client_id="adorn-test-client",
        client_secret="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",
        scopes=("read_products", "write_products", "read_files", "write_files"),
        redirect_urls=("https://adorn.test/auth/shopify/callback",),
    )


@pytest.fixture
def shop() -> str:
    return "gold-and-gale.myshopify.com"


@pytest.fixture
def other_shop() -> str:
    return "silver-lining.myshopify.com"


@pytest.fixture
def shopify_state(sandbox_app: SandboxApp, shop: str, other_shop: str) -> ShopifySandboxState:
    """Sandbox state: adorn registered, two shops, nothing installed yet."""
    state = ShopifySandboxState(app=sandbox_app)
    for domain in (shop, other_shop):
        state.shops[domain] = SandboxShop(domain=domain, name=domain.split(".")[0])
    return state


@pytest.fixture
def shopify_sandbox(shopify_state: ShopifySandboxState) -> Iterator[RunningServer]:
    """The sandbox over HTTP, plus a probe route answering with the shop that owns a token.

    The probe calls access.require_token exactly as the Admin API views do.
    """
    app = create_shopify_sandbox(shopify_state)

    def token_owner(shop: str) -> dict[str, str]:
        return {"shop": require_token(shop).shop}

    app.add_url_rule("/shops/<shop>/test/token-owner", view_func=token_owner)
    server = serve_in_thread(app)
    yield server
    server.stop()


@pytest.fixture
def shop_url(shopify_sandbox: RunningServer, shop: str) -> str:
    """What https://<shop> is for the app while it talks to the sandbox."""
    return f"{shopify_sandbox.base_url}/shops/{shop}"


@pytest.fixture
def token_owner(shopify_sandbox: RunningServer) -> TokenOwnerProbe:
    """probe(shop, access_token): the sandbox's answer to that token on that shop's URL."""

    def probe(shop: str, access_token: str) -> requests.Response:
        return requests.get(
            f"{shopify_sandbox.base_url}/shops/{shop}/test/token-owner",
            headers={"X-Shopify-Access-Token": access_token},
            timeout=5,
        )

    return probe


# The Admin API tests' fixtures live in their own module (owned by those tests).
from tests.integrations.shopify.sandbox_fixtures import admin_http, admin_sandbox  # noqa: E402, F401
