"""Installing adorn on a shop and keeping its tokens alive.

Two ways in: the authorization code grant (the install link, verified by its HMAC, timestamp, state
and shop domain) and, for the embedded app, token exchange of an App Bridge session token. Both ask
for expiring offline tokens (one hour, with a rotating refresh token); TokenKeeper refreshes them
under a per-shop lock so two workers never spend the same refresh token.

ShopifyAPI's Session.calculate_hmac reads the client secret from class attributes (global state
shared by every shop and thread), so the install HMAC is computed here with the same rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from integrations.errors import AuthError, TransientError
from integrations.tokens import RefreshLock, TokenSet, TokenStore

SHOP_DOMAIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
INSTALL_QUERY_MAX_AGE_S = 300
TOKEN_REQUEST_TIMEOUT_S = 15.0

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_ACCESS_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"

Refresher = Callable[[str, TokenSet], TokenSet]


def shop_domain_is_valid(shop: str) -> bool:
    """Whether `shop` is a bare myshopify.com domain (no scheme, port, path or other host)."""
    return SHOP_DOMAIN_PATTERN.fullmatch(shop) is not None


def install_query_hmac(query: Mapping[str, str], client_secret: str) -> str:
    """The hex HMAC-SHA256 Shopify puts in `hmac`: over the other parameters, sorted, as k=v&k=v.

    Delimiters inside keys and values are escaped as Shopify does, so a value cannot pose as a
    second parameter.
    """
    pairs = sorted(
        f"{key.replace('%', '%25').replace('=', '%3D')}={value.replace('%', '%25')}".replace(
            "&", "%26"
        )
        for key, value in query.items()
        if key != "hmac"
    )
    message = "&".join(pairs).encode()
    return hmac.new(client_secret.encode(), message, hashlib.sha256).hexdigest()


def verify_install_query(
    query: Mapping[str, str],
    client_secret: str,
    now: float | None = None,
    max_age_s: float = INSTALL_QUERY_MAX_AGE_S,
) -> str:
    """Check a request Shopify sent to the app (install link, OAuth callback); return its shop.

    The HMAC must match (constant-time), the timestamp must be within `max_age_s` of `now` (epoch
    seconds) and the shop must be a myshopify.com domain; otherwise AuthError. The state, when the
    query carries one, is checked separately with verify_state against the browser's session.
    """
    received = query.get("hmac")
    if not received:
        raise AuthError("the request from Shopify carries no hmac parameter")
    expected = install_query_hmac(query, client_secret)
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise AuthError("the request's hmac does not match: it was not signed by Shopify")
    try:
        timestamp = int(query.get("timestamp", ""))
    except ValueError:
        raise AuthError("the request from Shopify carries no valid timestamp") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > max_age_s:
        raise AuthError(
            f"the request's timestamp is {abs(int(now - timestamp))} s away from now "
            f"(limit {max_age_s:g} s): a replayed link or a wrong clock"
        )
    shop = query.get("shop", "")
    if not shop_domain_is_valid(shop):
        raise AuthError(f"{shop!r} is not a myshopify.com shop domain")
    return shop


def new_state() -> str:
    """A fresh OAuth state; keep it in the browser's signed session and pop it on the callback."""
    return secrets.token_urlsafe(32)


def verify_state(expected: str | None, received: str | None) -> None:
    """Check the callback's state against the one popped from the browser's session (constant time).

    Popping it before the check makes it single use: a reused state finds nothing to match.
    """
    if not expected or not received:
        raise AuthError("the OAuth state is missing: start the install again from the shop")
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise AuthError("the OAuth state does not match this browser's: start the install again")


def authorization_url(
    shop: str,
    client_id: str,
    scopes: Iterable[str],
    redirect_uri: str,
    state: str,
    base_url: str | None = None,
) -> str:
    """Where to send the merchant to approve adorn (offline access: no grant_options[])."""
    query = urlencode(
        {
            "client_id": client_id,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{_shop_base_url(shop, base_url)}/admin/oauth/authorize?{query}"


def exchange_code(
    shop: str,
    code: str,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    http: requests.Session | None = None,
) -> TokenSet:
    """Exchange the callback's authorization code for expiring offline tokens."""
    body = {"client_id": client_id, "client_secret": client_secret, "code": code, "expiring": 1}
    return _request_tokens(shop, body, base_url, http)


def exchange_session_token(
    shop: str,
    session_token: str,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    http: requests.Session | None = None,
) -> TokenSet:
    """Token exchange: trade an App Bridge session token for expiring offline tokens."""
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_ACCESS_TOKEN_TYPE,
        "expiring": 1,
    }
    return _request_tokens(shop, body, base_url, http)


def refresh_tokens(
    shop: str,
    tokens: TokenSet,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    http: requests.Session | None = None,
) -> TokenSet:
    """Spend the refresh token for a new pair; the returned refresh token replaces the old one.

    Call it only under the shop's refresh lock (TokenKeeper does): the old refresh token is dead
    once Shopify answers, so the new pair must be saved before anyone refreshes again.
    """
    if tokens.refresh_token is None:
        raise AuthError(f"the tokens of {shop} cannot be refreshed: reinstall the app")
    if tokens.refresh_expires_at is not None and datetime.now(UTC) >= tokens.refresh_expires_at:
        raise AuthError(f"the refresh token of {shop} has expired: reinstall the app")
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
    }
    return _request_tokens(shop, body, base_url, http)


class TokenKeeper:
    """Hands out a live access token per shop, refreshing it at most once at a time per shop.

    `refresher(shop_key, tokens)` returns the new pair, e.g. a partial of refresh_tokens.
    """

    def __init__(self, store: TokenStore, lock: RefreshLock, refresher: Refresher) -> None:
        self._store = store
        self._lock = lock
        self._refresher = refresher

    def access_token(self, shop_key: str, now: datetime | None = None) -> str:
        """A live access token for the shop, refreshed first when it is about to expire."""
        tokens = self._load(shop_key)
        if not tokens.needs_refresh(now):
            return tokens.access_token
        with self._lock.hold(shop_key):
            # Another worker may have refreshed while this one waited for the lock.
            tokens = self._load(shop_key)
            if tokens.needs_refresh(now):
                tokens = self._refresh(shop_key, tokens)
        return tokens.access_token

    def replace_rejected(self, shop_key: str, rejected_access_token: str) -> str:
        """A new access token after Shopify answered 401 to `rejected_access_token`.

        Refreshes only if the store still holds the rejected token; otherwise another worker has
        already replaced it and its token is returned.
        """
        with self._lock.hold(shop_key):
            tokens = self._load(shop_key)
            if tokens.access_token == rejected_access_token:
                tokens = self._refresh(shop_key, tokens)
        return tokens.access_token

    def _load(self, shop_key: str) -> TokenSet:
        tokens = self._store.load(shop_key)
        if tokens is None:
            raise AuthError(f"no tokens are stored for {shop_key}: install the app first")
        return tokens

    def _refresh(self, shop_key: str, tokens: TokenSet) -> TokenSet:
        fresh = self._refresher(shop_key, tokens)
        self._store.save(shop_key, fresh)
        return fresh


def _shop_base_url(shop: str, base_url: str | None) -> str:
    if not shop_domain_is_valid(shop):
        raise AuthError(f"{shop!r} is not a myshopify.com shop domain")
    return base_url.rstrip("/") if base_url else f"https://{shop}"


def _request_tokens(
    shop: str, body: dict[str, Any], base_url: str | None, http: requests.Session | None
) -> TokenSet:
    url = f"{_shop_base_url(shop, base_url)}/admin/oauth/access_token"
    post = http.post if http is not None else requests.post
    try:
        response = post(
            url,
            json=body,
            headers={"Accept": "application/json"},
            timeout=TOKEN_REQUEST_TIMEOUT_S,
        )
    except requests.RequestException as error:
        raise TransientError(f"the token request to {shop} failed: {error}") from error
    if response.status_code >= 500:
        raise TransientError(f"{shop} answered {response.status_code} to the token request")
    data = _json_object(response)
    if response.status_code != 200:
        reason = data.get("error_description") or data.get("error") or response.reason
        raise AuthError(f"{shop} refused the token request ({response.status_code}): {reason}")
    return _token_set(data, datetime.now(UTC))


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _token_set(data: dict[str, Any], now: datetime) -> TokenSet:
    if not data.get("access_token"):
        raise AuthError("the token response carries no access_token")
    expires_in = data.get("expires_in")
    refresh_expires_in = data.get("refresh_token_expires_in")
    return TokenSet(
        access_token=data["access_token"],
        refresh_token=data.get("refresh_token"),
        expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
        refresh_expires_at=now + timedelta(seconds=refresh_expires_in)
        if refresh_expires_in
        else None,
        scopes=tuple(scope for scope in data.get("scope", "").split(",") if scope),
    )
