"""Who may call the sandbox: the shop in the URL must exist, the access token must be live and its own."""

from __future__ import annotations

import time

from flask import abort, jsonify, make_response, request

from integrations.sandbox.shopify.app import sandbox_state
from integrations.sandbox.shopify.state import SandboxShop, SandboxToken

# Shopify's own answer to a bad, expired or revoked access token.
INVALID_TOKEN_MESSAGE = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)


def require_shop(shop: str) -> SandboxShop:
    """The sandbox shop served under /shops/<shop>/; aborts with 404 JSON when there is none."""
    state = sandbox_state()
    with state.lock:
        found = state.shops.get(shop)
    if found is None:
        abort(make_response(jsonify(errors="Not Found"), 404))
    return found


def require_token(shop: str) -> SandboxToken:
    """The live token in X-Shopify-Access-Token for `shop`; aborts with Shopify's 401 JSON otherwise.

    Unknown, revoked, expired and other shops' tokens all get the same answer, as in Shopify.
    """
    require_shop(shop)
    state = sandbox_state()
    presented = request.headers.get("X-Shopify-Access-Token", "")
    with state.lock:
        token = state.tokens.get(presented) if presented else None
    if (
        token is None
        or token.revoked
        or token.shop != shop
        or (token.expires_at is not None and time.time() >= token.expires_at)
    ):
        abort(make_response(jsonify(errors=INVALID_TOKEN_MESSAGE), 401))
    return token
