"""The sandbox's OAuth endpoints, and what Shopify itself sends the app (session tokens, webhooks).

Authorization code grant (the merchant approves at once), token exchange of a session token, and
rotating refresh tokens. A refresh token presented a second time is treated as stolen: the request
fails with invalid_grant and every token of that shop is revoked, so the app's refresh lock is tested
hard.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import Blueprint, Response, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from integrations.sandbox.shopify.access import require_shop
from integrations.sandbox.shopify.app import sandbox_state
from integrations.sandbox.shopify.state import SandboxToken, ShopifySandboxState
from integrations.shopify.api_version import ADMIN_API_VERSION

oauth = Blueprint("oauth", __name__)

REFRESH_TOKEN_TTL_S = 90 * 24 * 3600.0
SESSION_TOKEN_TTL_S = 60
WEBHOOK_TIMEOUT_S = 5.0  # Shopify gives up on a delivery after 5 s

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_ACCESS_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


class OAuthRefusal(Exception):
    """An OAuth error answered as {"error", "error_description"} with status 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@oauth.errorhandler(OAuthRefusal)
def _refused(refusal: OAuthRefusal) -> tuple[Response, int]:
    return jsonify(error=refusal.error, error_description=refusal.description), 400


@oauth.get("/admin/oauth/authorize")
def authorize(shop: str) -> BaseResponse:
    """The merchant's approval screen, approved at once: redirect back with a signed code."""
    require_shop(shop)
    state = sandbox_state()
    app = state.app
    if request.args.get("client_id") != app.client_id:
        raise OAuthRefusal("invalid_request", "client_id does not name an installed app")
    redirect_uri = request.args.get("redirect_uri", "")
    if redirect_uri not in app.redirect_urls:
        raise OAuthRefusal("invalid_request", "redirect_uri is not whitelisted for this app")
    scopes = tuple(scope for scope in request.args.get("scope", "").split(",") if scope)
    unknown = sorted(set(scopes) - set(app.scopes))
    if not scopes or unknown:
        raise OAuthRefusal("invalid_scope", f"scopes not granted to this app: {unknown}")
    code = secrets.token_hex(16)
    with state.lock:
        state.shops[shop].installed = True
        state.auth_codes[code] = (shop, scopes)
    query = {
        "code": code,
        "host": base64.urlsafe_b64encode(f"{shop}/admin".encode()).decode().rstrip("="),
        "shop": shop,
        "state": request.args.get("state", ""),
        "timestamp": str(int(time.time())),
    }
    query["hmac"] = _query_hmac(query, app.client_secret)
    return redirect(f"{redirect_uri}?{urlencode(query)}", code=302)


@oauth.post("/admin/oauth/access_token")
def access_token(shop: str) -> Response:
    """Issue tokens for a code, a session token (token exchange) or a refresh token."""
    require_shop(shop)
    state = sandbox_state()
    params = _request_params()
    if params.get("client_id") != state.app.client_id or not hmac.compare_digest(
        params.get("client_secret", "").encode(), state.app.client_secret.encode()
    ):
        raise OAuthRefusal("invalid_client", "client_id or client_secret is wrong")
    grant_type = params.get("grant_type", "authorization_code")
    expiring = params.get("expiring") == "1"
    if grant_type == "authorization_code":
        token = _grant_code(state, shop, params.get("code", ""), expiring)
    elif grant_type == TOKEN_EXCHANGE_GRANT:
        token = _grant_token_exchange(state, shop, params, expiring)
    elif grant_type == "refresh_token":
        token = _grant_refresh(state, shop, params.get("refresh_token", ""))
    else:
        raise OAuthRefusal("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
    return jsonify(_token_response(token))


def make_session_token(
    state: ShopifySandboxState, shop: str, user_id: str = "1", now: float | None = None
) -> str:
    """The session token App Bridge would hand the embedded app for `shop` (valid one minute)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": state.app.client_id,
        "sub": user_id,
        "exp": issued + SESSION_TOKEN_TTL_S,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
    }
    return jwt.encode(claims, state.app.client_secret, algorithm="HS256")


def deliver_webhook(
    state: ShopifySandboxState,
    shop: str,
    topic: str,
    payload: dict[str, Any],
    uri: str | None = None,
    event_id: str | None = None,
) -> requests.Response:
    """POST a signed `topic` event to `uri`, or to each of the shop's subscriptions to `topic`.

    Returns the last delivery's response. One event id is shared by every delivery of the event,
    as in Shopify; pass `event_id` to replay an earlier event.
    """
    if uri is not None:
        targets = [uri]
    else:
        subscription_topic = topic.upper().replace("/", "_")
        with state.lock:
            targets = [
                subscription.uri
                for subscription in state.shops[shop].webhooks
                if subscription.topic == subscription_topic
            ]
    if not targets:
        raise LookupError(f"{shop} has no subscription to {topic}")
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(
            hmac.new(state.app.client_secret.encode(), body, hashlib.sha256).digest()
        ).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "X-Shopify-API-Version": ADMIN_API_VERSION,
    }
    responses = [
        requests.post(
            target,
            data=body,
            headers={**headers, "X-Shopify-Webhook-Id": str(uuid.uuid4())},
            timeout=WEBHOOK_TIMEOUT_S,
        )
        for target in targets
    ]
    return responses[-1]


def _request_params() -> dict[str, str]:
    """The token request's parameters, sent as JSON or as a form, as Shopify accepts both."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise OAuthRefusal("invalid_request", "the JSON body is not an object")
        return {key: str(value) for key, value in body.items()}
    return request.form.to_dict()


def _query_hmac(query: dict[str, str], secret: str) -> str:
    """Shopify's signature of a redirect query: k=v pairs sorted, with & and % escaped."""

    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("&", "%26")

    pairs = sorted(
        f"{escape(key).replace('=', '%3D')}={escape(value)}" for key, value in query.items()
    )
    return hmac.new(secret.encode(), "&".join(pairs).encode(), hashlib.sha256).hexdigest()


def _grant_code(state: ShopifySandboxState, shop: str, code: str, expiring: bool) -> SandboxToken:
    with state.lock:
        granted = state.auth_codes.pop(code, None)  # single use, even when refused below
        if granted is None or granted[0] != shop:
            raise OAuthRefusal("invalid_grant", "the authorization code is unknown or used")
        return _issue(state, shop, granted[1], expiring)


def _grant_token_exchange(
    state: ShopifySandboxState, shop: str, params: dict[str, str], expiring: bool
) -> SandboxToken:
    if params.get("subject_token_type") != ID_TOKEN_TYPE:
        raise OAuthRefusal("invalid_request", "subject_token_type must be an id_token")
    if params.get("requested_token_type") != OFFLINE_ACCESS_TOKEN_TYPE:
        raise OAuthRefusal("invalid_request", "only offline access tokens are issued here")
    try:
        claims = jwt.decode(
            params.get("subject_token", ""),
            state.app.client_secret,
            algorithms=["HS256"],
            audience=state.app.client_id,
            options={"require": ["exp", "nbf", "dest"]},
        )
    except jwt.PyJWTError as error:
        raise OAuthRefusal(
            "invalid_subject_token", f"the session token is invalid: {error}"
        ) from None
    if claims["dest"] != f"https://{shop}":
        raise OAuthRefusal("invalid_subject_token", "the session token is for another shop")
    with state.lock:
        state.shops[shop].installed = True  # Shopify-managed install
        return _issue(state, shop, state.app.scopes, expiring)


def _grant_refresh(state: ShopifySandboxState, shop: str, refresh_token: str) -> SandboxToken:
    with state.lock:
        if refresh_token in state.used_refresh_tokens:
            _revoke_shop(state, shop)
            raise OAuthRefusal("invalid_grant", "the refresh token was already used")
        old = state.refresh_tokens.get(refresh_token)
        if old is None or old.shop != shop or old.revoked:
            raise OAuthRefusal("invalid_grant", "the refresh token is unknown or revoked")
        if old.refresh_expires_at is not None and time.time() >= old.refresh_expires_at:
            raise OAuthRefusal("invalid_grant", "the refresh token has expired")
        del state.refresh_tokens[refresh_token]
        state.used_refresh_tokens.add(refresh_token)
        return _issue(state, shop, old.scopes, expiring=True)


def _issue(
    state: ShopifySandboxState, shop: str, scopes: tuple[str, ...], expiring: bool
) -> SandboxToken:
    """A new token for `shop`; the caller holds state.lock."""
    now = time.time()
    token = SandboxToken(
        shop=shop,
        access_token=f"shpat_{secrets.token_hex(16)}",
        refresh_token=f"shprt_{secrets.token_hex(16)}" if expiring else None,
        expires_at=now + state.access_token_ttl_s if expiring else None,
        refresh_expires_at=now + REFRESH_TOKEN_TTL_S if expiring else None,
        scopes=scopes,
    )
    state.tokens[token.access_token] = token
    if token.refresh_token is not None:
        state.refresh_tokens[token.refresh_token] = token
    return token


def _revoke_shop(state: ShopifySandboxState, shop: str) -> None:
    """Revoke every token of `shop` (a replayed refresh token means one leaked)."""
    for token in state.tokens.values():
        if token.shop == shop:
            token.revoked = True
    for refresh_token in [key for key, token in state.refresh_tokens.items() if token.shop == shop]:
        del state.refresh_tokens[refresh_token]


def _token_response(token: SandboxToken) -> dict[str, Any]:
    response: dict[str, Any] = {"access_token": token.access_token, "scope": ",".join(token.scopes)}
    if token.expires_at is not None and token.refresh_expires_at is not None:
        now = time.time()
        response["expires_in"] = round(token.expires_at - now)
        response["refresh_token"] = token.refresh_token
        response["refresh_token_expires_in"] = round(token.refresh_expires_at - now)
    return response
