"""Install, token exchange and refresh against the Shopify sandbox over HTTP."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from integrations.errors import AuthError
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.shopify.admin_api import SCHEMA_PATH_KEY
from integrations.sandbox.shopify.app import create_shopify_sandbox
from integrations.sandbox.shopify.oauth import make_session_token
from integrations.sandbox.shopify.state import SandboxApp, ShopifySandboxState
from integrations.sandbox.stores import SHOPIFY_SCHEMA_FILE
from integrations.shopify.api_version import ADMIN_API_VERSION
from integrations.shopify.auth import (
    TokenKeeper,
    authorization_url,
    exchange_code,
    exchange_session_token,
    install_query_hmac,
    new_state,
    refresh_tokens,
    shop_domain_is_valid,
    verify_install_query,
    verify_state,
)
from integrations.shopify.documents import load_document
from integrations.tokens import MemoryTokenStore, ThreadRefreshLock, TokenCipher, TokenSet
from tests.conftest import shared_specs

Probe = Callable[[str, str], requests.Response]
INVALID_TOKEN = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}


def approve_install(
    sandbox_app: SandboxApp, shop: str, shop_url: str, state: str
) -> dict[str, str]:
    """Send the merchant to the authorize URL and return the query Shopify redirects back with."""
    url = authorization_url(
        shop,
        sandbox_app.client_id,
        sandbox_app.scopes,
        sandbox_app.redirect_urls[0],
        state,
        base_url=shop_url,
    )
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sandbox_app.redirect_urls[0]
    return dict(parse_qsl(location.query))


def install(sandbox_app: SandboxApp, shop: str, shop_url: str) -> TokenSet:
    query = approve_install(sandbox_app, shop, shop_url, new_state())
    verify_install_query(query, sandbox_app.client_secret)
    return exchange_code(
        shop, query["code"], sandbox_app.client_id, sandbox_app.client_secret, base_url=shop_url
    )


def test_install_round_trip(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
    token_owner: Probe,
) -> None:
    browser_session = {"oauth_state": new_state()}
    query = approve_install(sandbox_app, shop, shop_url, browser_session["oauth_state"])

    assert verify_install_query(query, sandbox_app.client_secret) == shop
    verify_state(browser_session.pop("oauth_state", None), query["state"])
    tokens = exchange_code(
        shop, query["code"], sandbox_app.client_id, sandbox_app.client_secret, base_url=shop_url
    )

    assert shopify_state.shops[shop].installed
    assert tokens.scopes == sandbox_app.scopes
    assert tokens.refresh_token, "an expiring offline token comes with a refresh token"
    assert tokens.expires_at is not None
    assert abs(tokens.expires_at - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(minutes=1)
    assert tokens.refresh_expires_at is not None and tokens.refresh_expires_at > tokens.expires_at
    response = token_owner(shop, tokens.access_token)
    assert response.status_code == 200 and response.json() == {"shop": shop}

    with pytest.raises(AuthError, match="unknown or used"):
        exchange_code(
            shop, query["code"], sandbox_app.client_id, sandbox_app.client_secret, base_url=shop_url
        )


def test_installed_tokens_query_the_admin_api(
    sandbox_app: SandboxApp, shop: str, shopify_state: ShopifySandboxState
) -> None:
    sandbox = create_shopify_sandbox(shopify_state)
    sandbox.config[SCHEMA_PATH_KEY] = shared_specs() / SHOPIFY_SCHEMA_FILE
    server = serve_in_thread(sandbox)
    try:
        shop_url = f"{server.base_url}/shops/{shop}"
        tokens = install(sandbox_app, shop, shop_url)
        response = requests.post(
            f"{shop_url}/admin/api/{ADMIN_API_VERSION}/graphql.json",
            json={"query": load_document("shop")},
            headers={"X-Shopify-Access-Token": tokens.access_token},
            timeout=30,
        )
    finally:
        server.stop()
    assert response.status_code == 200, response.text
    assert response.json()["data"]["shop"]["myshopifyDomain"] == shop


def test_code_exchange_needs_the_client_secret(
    sandbox_app: SandboxApp, shop: str, shop_url: str
) -> None:
    query = approve_install(sandbox_app, shop, shop_url, new_state())
    with pytest.raises(AuthError, match="client_secret"):
        exchange_code(shop, query["code"], sandbox_app.client_id, "guessed", base_url=shop_url)


def test_authorize_refuses_a_redirect_uri_not_registered(
    sandbox_app: SandboxApp, shop: str, shop_url: str, shopify_state: ShopifySandboxState
) -> None:
    url = authorization_url(
        shop, sandbox_app.client_id, ["read_products"], "https://evil.com/cb", "s", shop_url
    )
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 400
    assert not shopify_state.shops[shop].installed


def test_install_query_with_a_forged_or_missing_hmac_is_refused(
    sandbox_app: SandboxApp, shop: str, other_shop: str, shop_url: str
) -> None:
    query = approve_install(sandbox_app, shop, shop_url, new_state())

    with pytest.raises(AuthError, match="does not match"):
        verify_install_query({**query, "shop": other_shop}, sandbox_app.client_secret)
    with pytest.raises(AuthError, match="does not match"):
        verify_install_query(query, "another-apps-secret")
    without_hmac = {key: value for key, value in query.items() if key != "hmac"}
    with pytest.raises(AuthError, match="no hmac"):
        verify_install_query(without_hmac, sandbox_app.client_secret)


def test_install_query_escapes_delimiters_like_shopify(
    sandbox_app: SandboxApp, shop: str, shop_url: str
) -> None:
    # The sandbox signs independently; a state holding & and = must not split into parameters.
    query = approve_install(sandbox_app, shop, shop_url, "a&b=c%d")
    assert query["state"] == "a&b=c%d"
    assert verify_install_query(query, sandbox_app.client_secret) == shop


def test_stale_install_query_is_refused(sandbox_app: SandboxApp, shop: str, shop_url: str) -> None:
    query = approve_install(sandbox_app, shop, shop_url, new_state())
    signed_at = int(query["timestamp"])

    assert verify_install_query(query, sandbox_app.client_secret, now=signed_at + 299) == shop
    with pytest.raises(AuthError, match="301 s away from now"):
        verify_install_query(query, sandbox_app.client_secret, now=signed_at + 301)
    with pytest.raises(AuthError, match="301 s away from now"):
        verify_install_query(query, sandbox_app.client_secret, now=signed_at - 301)


@pytest.mark.parametrize(
    "foreign",
    [
        "evil.com",
        "a.myshopify.com.evil.com",
        "https://a.myshopify.com",
        "a.myshopify.com/admin",
        "a.myshopify.com:443",
        "A.myshopify.com",
        "-a.myshopify.com",
        "a.myshopify.com\n",
    ],
)
def test_foreign_shop_domain_is_refused(foreign: str, sandbox_app: SandboxApp) -> None:
    assert not shop_domain_is_valid(foreign)
    query = {"code": "c", "shop": foreign, "state": "s", "timestamp": str(int(time.time()))}
    query["hmac"] = install_query_hmac(query, sandbox_app.client_secret)  # signature is fine
    with pytest.raises(AuthError, match="not a myshopify\\.com shop domain"):
        verify_install_query(query, sandbox_app.client_secret)
    with pytest.raises(AuthError, match="not a myshopify\\.com shop domain"):
        authorization_url(foreign, "id", ["read_products"], "https://adorn.test/cb", "s")


def test_state_is_single_use_and_bound_to_the_browser() -> None:
    browser_session = {"oauth_state": new_state()}
    received = browser_session["oauth_state"]

    verify_state(browser_session.pop("oauth_state", None), received)
    with pytest.raises(AuthError, match="missing"):
        verify_state(browser_session.pop("oauth_state", None), received)
    with pytest.raises(AuthError, match="does not match"):
        verify_state(new_state(), received)  # another browser's state


def test_token_exchange_from_a_session_token(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
    token_owner: Probe,
) -> None:
    session_token = make_session_token(shopify_state, shop)

    tokens = exchange_session_token(
        shop, session_token, sandbox_app.client_id, sandbox_app.client_secret, base_url=shop_url
    )

    assert shopify_state.shops[shop].installed
    assert tokens.refresh_token and tokens.expires_at is not None
    assert token_owner(shop, tokens.access_token).json() == {"shop": shop}


def test_token_exchange_refuses_another_shops_session_token(
    sandbox_app: SandboxApp,
    shop: str,
    other_shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
) -> None:
    foreign_token = make_session_token(shopify_state, other_shop)
    with pytest.raises(AuthError, match="another shop"):
        exchange_session_token(
            shop, foreign_token, sandbox_app.client_id, sandbox_app.client_secret, shop_url
        )
    assert not shopify_state.tokens


def test_tokens_are_bound_to_their_shop_and_lifetime(
    sandbox_app: SandboxApp,
    shop: str,
    other_shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
    token_owner: Probe,
) -> None:
    tokens = install(sandbox_app, shop, shop_url)

    wrong_shop = token_owner(other_shop, tokens.access_token)
    assert (wrong_shop.status_code, wrong_shop.json()) == (401, INVALID_TOKEN)
    assert token_owner("no-such-shop.myshopify.com", tokens.access_token).status_code == 404
    assert token_owner(shop, "shpat_made_up").status_code == 401

    shopify_state.tokens[tokens.access_token].expires_at = time.time() - 1
    expired = token_owner(shop, tokens.access_token)
    assert (expired.status_code, expired.json()) == (401, INVALID_TOKEN)


def test_refresh_rotates_both_tokens(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
    token_owner: Probe,
) -> None:
    first = install(sandbox_app, shop, shop_url)

    second = refresh_tokens(
        shop, first, sandbox_app.client_id, sandbox_app.client_secret, base_url=shop_url
    )

    assert second.access_token != first.access_token
    assert second.refresh_token not in (None, first.refresh_token)
    assert second.expires_at is not None and first.expires_at is not None
    assert second.expires_at >= first.expires_at
    assert token_owner(shop, second.access_token).status_code == 200
    assert shopify_state.used_refresh_tokens == {first.refresh_token}


def test_a_refresh_token_used_twice_revokes_the_shop(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    token_owner: Probe,
) -> None:
    first = install(sandbox_app, shop, shop_url)
    second = refresh_tokens(shop, first, sandbox_app.client_id, sandbox_app.client_secret, shop_url)

    with pytest.raises(AuthError, match="already used"):
        refresh_tokens(shop, first, sandbox_app.client_id, sandbox_app.client_secret, shop_url)

    assert token_owner(shop, second.access_token).status_code == 401
    with pytest.raises(AuthError, match="unknown or revoked"):
        refresh_tokens(shop, second, sandbox_app.client_id, sandbox_app.client_secret, shop_url)


def test_an_expired_refresh_token_is_not_sent(sandbox_app: SandboxApp, shop: str) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    tokens = TokenSet("shpat_x", "shprt_x", past, past, ("read_products",))
    # No base_url: were the request sent, it would go to the real Shopify and fail differently.
    with pytest.raises(AuthError, match=r"refresh token of \S+ has expired"):
        refresh_tokens(shop, tokens, sandbox_app.client_id, sandbox_app.client_secret)


class NoLock:
    """A refresh lock that locks nothing: shows what TokenKeeper's lock prevents."""

    @contextlib.contextmanager
    def hold(self, shop_key: str) -> Iterator[None]:
        yield


def keeper_with_due_tokens(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    lock: ThreadRefreshLock | NoLock,
    before_refresh: Callable[[], object] = lambda: None,
) -> tuple[TokenKeeper, MemoryTokenStore, TokenSet]:
    """A keeper over an encrypted store holding the shop's tokens, one minute from expiry."""
    store = MemoryTokenStore(TokenCipher(TokenCipher.new_key()))
    installed = install(sandbox_app, shop, shop_url)
    due = dataclasses.replace(installed, expires_at=datetime.now(UTC) + timedelta(minutes=1))
    store.save(shop, due)

    def refresher(shop_key: str, tokens: TokenSet) -> TokenSet:
        before_refresh()
        return refresh_tokens(
            shop_key, tokens, sandbox_app.client_id, sandbox_app.client_secret, shop_url
        )

    return TokenKeeper(store, lock, refresher), store, due


def run_together(count: int, work: Callable[[], str]) -> tuple[list[str], list[Exception]]:
    """Run `work` on `count` threads released at the same moment; collect results and errors."""
    start = threading.Barrier(count)
    results: list[str] = []
    errors: list[Exception] = []

    def worker() -> None:
        start.wait()
        try:
            results.append(work())
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return results, errors


def test_workers_refreshing_the_same_shop_refresh_once(
    sandbox_app: SandboxApp,
    shop: str,
    shop_url: str,
    shopify_state: ShopifySandboxState,
    token_owner: Probe,
) -> None:
    keeper, store, due = keeper_with_due_tokens(sandbox_app, shop, shop_url, ThreadRefreshLock())

    results, errors = run_together(8, lambda: keeper.access_token(shop))

    assert errors == []
    assert len(set(results)) == 1 and results[0] != due.access_token
    assert shopify_state.used_refresh_tokens == {due.refresh_token}  # one refresh call
    saved = store.load(shop)
    assert saved is not None
    assert saved.access_token == results[0] and saved.refresh_token != due.refresh_token
    assert token_owner(shop, results[0]).status_code == 200


def test_without_the_lock_a_double_refresh_revokes_the_shop(
    sandbox_app: SandboxApp, shop: str, shop_url: str, token_owner: Probe
) -> None:
    both_loaded = threading.Barrier(2)
    keeper, _, _ = keeper_with_due_tokens(
        sandbox_app, shop, shop_url, NoLock(), before_refresh=lambda: both_loaded.wait(5)
    )

    results, errors = run_together(2, lambda: keeper.access_token(shop))

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], AuthError)
    assert token_owner(shop, results[0]).status_code == 401


def test_a_rejected_token_is_replaced_once(
    sandbox_app: SandboxApp, shop: str, shop_url: str, shopify_state: ShopifySandboxState
) -> None:
    keeper, _, due = keeper_with_due_tokens(sandbox_app, shop, shop_url, ThreadRefreshLock())

    replacement = keeper.replace_rejected(shop, due.access_token)
    again = keeper.replace_rejected(shop, due.access_token)  # a second worker, same 401

    assert replacement == again != due.access_token
    assert len(shopify_state.used_refresh_tokens) == 1


def test_keeper_without_stored_tokens_asks_for_an_install(shop: str) -> None:
    keeper = TokenKeeper(
        MemoryTokenStore(TokenCipher(TokenCipher.new_key())),
        ThreadRefreshLock(),
        refresh_tokens_unused,
    )
    with pytest.raises(AuthError, match="install the app"):
        keeper.access_token(shop)


def refresh_tokens_unused(shop_key: str, tokens: TokenSet) -> TokenSet:
    raise AssertionError("nothing to refresh")
