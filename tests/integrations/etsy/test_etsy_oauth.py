"""Etsy OAuth over HTTP against the sandbox: PKCE, single-use codes, rotating refresh tokens."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integrations.errors import AuthError
from integrations.etsy.auth import (
    authorization_url,
    code_challenge,
    exchange_code,
    new_code_verifier,
    refresh_tokens,
)
from tests.integrations.etsy.etsy_harness import KEYSTRING, REDIRECT_URI, Connected, EtsySandbox


def test_code_challenge_matches_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_code_verifier_is_fresh_and_within_pkce_bounds() -> None:
    verifiers = {new_code_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    assert all(43 <= len(v) <= 128 and "=" not in v for v in verifiers)
    with pytest.raises(ValueError, match="43 to 128"):
        code_challenge("too-short")


def test_authorization_url_asks_for_pkce_s256_and_the_scopes() -> None:
    url = authorization_url(KEYSTRING, REDIRECT_URI, "st4te", "c" * 43)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.etsy.com/oauth/connect"
    assert query == {
        "response_type": ["code"],
        "client_id": [KEYSTRING],
        "redirect_uri": [REDIRECT_URI],
        "scope": ["listings_r listings_w shops_r"],
        "state": ["st4te"],
        "code_challenge": ["c" * 43],
        "code_challenge_method": ["S256"],
    }


def test_pkce_end_to_end_gives_tokens_that_work(sandbox: EtsySandbox) -> None:
    verifier = new_code_verifier()
    code = sandbox.authorization_code(verifier)
    tokens = exchange_code(code, verifier, KEYSTRING, REDIRECT_URI, sandbox.token_url)
    assert tokens.access_token.startswith(f"{sandbox.shop.user_id}.")
    assert tokens.refresh_token and tokens.expires_at and tokens.refresh_expires_at
    assert timedelta(minutes=59) < tokens.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    assert tokens.refresh_expires_at - datetime.now(UTC) > timedelta(days=89)
    assert tokens.scopes == ("listings_r", "listings_w", "shops_r")


def test_wrong_verifier_is_refused_and_the_code_is_spent(sandbox: EtsySandbox) -> None:
    verifier = new_code_verifier()
    code = sandbox.authorization_code(verifier)
    with pytest.raises(AuthError, match="code_verifier does not match"):
        exchange_code(code, new_code_verifier(), KEYSTRING, REDIRECT_URI, sandbox.token_url)
    with pytest.raises(AuthError, match="unknown, used or expired"):
        exchange_code(code, verifier, KEYSTRING, REDIRECT_URI, sandbox.token_url)


def test_a_code_is_single_use(sandbox: EtsySandbox) -> None:
    verifier = new_code_verifier()
    code = sandbox.authorization_code(verifier)
    exchange_code(code, verifier, KEYSTRING, REDIRECT_URI, sandbox.token_url)
    with pytest.raises(AuthError, match="unknown, used or expired"):
        exchange_code(code, verifier, KEYSTRING, REDIRECT_URI, sandbox.token_url)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code_challenge_method": "plain"}, "code_challenge_method must be S256"),
        ({"client_id": "someone-else"}, "client_id is not a registered"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri is not registered"),
        ({"scope": "listings_r billing_w"}, "scope must name Etsy scopes"),
        ({"state": ""}, "state is required"),
    ],
)
def test_connect_refuses_a_malformed_authorization_request(
    sandbox: EtsySandbox, change: dict[str, str], expected: str
) -> None:
    url = authorization_url(
        KEYSTRING,
        REDIRECT_URI,
        "st4te",
        code_challenge(new_code_verifier()),
        connect_url=f"{sandbox.base_url}/oauth/connect",
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} | change
    response = requests.get(
        f"{sandbox.base_url}/oauth/connect", params=query, allow_redirects=False, timeout=5
    )
    assert response.status_code == 400
    assert expected in response.json()["error_description"]


def test_refresh_rotates_and_a_reused_refresh_token_fails(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    first = connected.tokens.load(connected.shop_key)
    assert first is not None
    second = refresh_tokens(first, KEYSTRING, sandbox.token_url)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    with pytest.raises(AuthError, match="already used"):
        refresh_tokens(first, KEYSTRING, sandbox.token_url)
    # The replay revokes the grant: the rotated tokens are dead too, the seller must reconnect.
    with pytest.raises(AuthError, match="unknown, revoked or expired"):
        refresh_tokens(second, KEYSTRING, sandbox.token_url)


def test_keeper_refreshes_once_for_many_threads(sandbox: EtsySandbox, connected: Connected) -> None:
    rejected = connected.keeper.access_token()
    results: list[str] = []
    errors: list[Exception] = []

    def refresh() -> None:
        try:
            results.append(connected.keeper.refresh_after_rejection(rejected))
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and results[0] != rejected
    assert len(sandbox.state.spent_refresh_tokens) == 1
    stored = connected.tokens.load(connected.shop_key)
    assert stored is not None and stored.access_token == results[0]


def test_keeper_refreshes_before_expiry_and_stores_the_new_refresh_token(
    connected: Connected,
) -> None:
    tokens = connected.tokens.load(connected.shop_key)
    assert tokens is not None
    due = replace(tokens, expires_at=datetime.now(UTC) + timedelta(minutes=1))
    connected.tokens.save(connected.shop_key, due)
    fresh_access = connected.keeper.access_token()
    stored = connected.tokens.load(connected.shop_key)
    assert stored is not None
    assert fresh_access == stored.access_token != tokens.access_token
    assert stored.refresh_token != tokens.refresh_token
    assert connected.keeper.access_token() == fresh_access  # not due any more


def test_expired_refresh_token_asks_for_reconnection(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    connected = connect()
    tokens = connected.tokens.load(connected.shop_key)
    assert tokens is not None
    expired = replace(tokens, refresh_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(AuthError, match="reconnect"):
        refresh_tokens(expired, KEYSTRING, sandbox.token_url)
    assert sandbox.state.spent_refresh_tokens == {}
