"""Etsy OAuth 2.0: authorization code with PKCE (S256), token exchange, rotating refresh tokens.

Etsy's access tokens last an hour and its refresh tokens 90 days; every refresh returns a new
refresh token and the old one stops working, so refreshes of one shop must never overlap.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests

from integrations.errors import AuthError, TransientError
from integrations.tokens import RefreshLock, TokenSet, TokenStore

CONNECT_URL = "https://www.etsy.com/oauth/connect"
TOKEN_URL = "https://api.etsy.com/v3/public/oauth/token"
DEFAULT_SCOPES = ("listings_r", "listings_w", "shops_r")
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
TOKEN_TIMEOUT_S = 30.0


def new_code_verifier() -> str:
    """A fresh PKCE code verifier: 86 base64url characters (RFC 7636 allows 43 to 128)."""
    return secrets.token_urlsafe(64)


def code_challenge(code_verifier: str) -> str:
    """The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding."""
    if not 43 <= len(code_verifier) <= 128:
        raise ValueError("a PKCE code verifier must be 43 to 128 characters long")
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """A single-use OAuth state value; keep it bound to the seller's browser session."""
    return secrets.token_urlsafe(32)


def authorization_url(
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    connect_url: str = CONNECT_URL,
) -> str:
    """Where to send the seller to grant adorn access; `client_id` is the app's keystring."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{connect_url}?{urlencode(query)}"


def exchange_code(
    code: str,
    code_verifier: str,
    client_id: str,
    redirect_uri: str,
    token_url: str = TOKEN_URL,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    http: requests.Session | None = None,
) -> TokenSet:
    """Trade the authorization code (with the verifier it was requested with) for tokens."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code": code,
        "code_verifier": code_verifier,
    }
    return _request_tokens(token_url, form, tuple(scopes), http)


def refresh_tokens(
    tokens: TokenSet,
    client_id: str,
    token_url: str = TOKEN_URL,
    http: requests.Session | None = None,
) -> TokenSet:
    """New tokens for old; the returned refresh token replaces the old one, which is now spent."""
    if tokens.refresh_token is None:
        raise AuthError("the Etsy tokens have no refresh token: reconnect the shop")
    if tokens.refresh_expires_at is not None and datetime.now(UTC) >= tokens.refresh_expires_at:
        raise AuthError("the Etsy refresh token has expired: reconnect the shop")
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "refresh_token": tokens.refresh_token,
    }
    return _request_tokens(token_url, form, tokens.scopes, http)


def _request_tokens(
    token_url: str, form: dict[str, str], scopes: tuple[str, ...], http: requests.Session | None
) -> TokenSet:
    post = http.post if http is not None else requests.post
    try:
        response = post(token_url, data=form, timeout=TOKEN_TIMEOUT_S)
    except requests.RequestException as error:
        raise TransientError(f"the Etsy token request failed: {error}") from error
    if response.status_code >= 500:
        raise TransientError(f"Etsy's token endpoint answered {response.status_code}")
    body = _json_or_empty(response)
    if response.status_code != 200:
        reason = body.get("error_description") or body.get("error") or response.reason
        raise AuthError(f"Etsy refused the token request ({response.status_code}): {reason}")
    now = datetime.now(UTC)
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=now + timedelta(seconds=int(body["expires_in"])),
        refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
        scopes=scopes,
    )


def _json_or_empty(response: requests.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class EtsyTokenKeeper:
    """One shop's access token, refreshed when due under the shop's refresh lock.

    Inside the lock the tokens are read again: another worker may have refreshed meanwhile, and
    refreshing again with the refresh token it spent would fail (and revoke the shop's grant).
    """

    def __init__(
        self,
        store: TokenStore,
        lock: RefreshLock,
        shop_key: str,
        client_id: str,
        token_url: str = TOKEN_URL,
        http: requests.Session | None = None,
    ) -> None:
        self._store = store
        self._lock = lock
        self._shop_key = shop_key
        self._client_id = client_id
        self._token_url = token_url
        self._http = http

    def access_token(self) -> str:
        """A current access token, refreshed first if it expires within the refresh margin."""
        tokens = self._load()
        if not tokens.needs_refresh():
            return tokens.access_token
        with self._lock.hold(self._shop_key):
            tokens = self._load()
            if tokens.needs_refresh():
                tokens = self._refresh(tokens)
            return tokens.access_token

    def refresh_after_rejection(self, rejected_token: str) -> str:
        """Etsy refused `rejected_token` (401): refresh unless another worker already did."""
        with self._lock.hold(self._shop_key):
            tokens = self._load()
            if tokens.access_token == rejected_token:
                tokens = self._refresh(tokens)
            return tokens.access_token

    def _load(self) -> TokenSet:
        tokens = self._store.load(self._shop_key)
        if tokens is None:
            raise AuthError(f"no Etsy tokens are stored for {self._shop_key}: connect the shop")
        return tokens

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        fresh = refresh_tokens(tokens, self._client_id, self._token_url, self._http)
        self._store.save(self._shop_key, fresh)
        return fresh
