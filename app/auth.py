"""Signing in: the Shopify install (OAuth or an embedded session token) and the Etsy connect.

The signed-in shop's id lives in the signed session cookie, or, for an embedded request, comes
from the App Bridge session token it carries. Every feature blueprint runs `require_shop` first.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.web import db, settings, state
from integrations.errors import AuthError, StoreError
from integrations.etsy import auth as etsy_auth
from integrations.etsy.client import EtsyClient
from integrations.shopify import auth as shopify_auth
from integrations.shopify.session_token import decode_session_token
from integrations.tokens import TokenSet
from jobs.api import enqueue_sync
from models.enums import ShopPlatform
from models.queries import find_shop, save_installed_shop
from models.tables import Shop

blueprint = Blueprint("auth", __name__)

# As in shopify.app.toml: products and their media, read and write.
SHOPIFY_SCOPES = ("read_products", "write_products", "read_files", "write_files")
SHOP_ID_KEY = "shop_id"
_SHOPIFY_STATE_KEY = "shopify_oauth"
_ETSY_STATE_KEY = "etsy_oauth"


class AuthRefused(HTTPException):
    """An install or sign-in that failed verification: 401 with the reason on the connect page."""

    code = 401


@blueprint.app_errorhandler(AuthRefused)
@blueprint.app_errorhandler(AuthError)
def _refused(error: Exception) -> ResponseReturnValue:
    message = error.description if isinstance(error, AuthRefused) else str(error)
    return render_template("connect.html", error=message), 401


@blueprint.app_errorhandler(StoreError)
def _store_unavailable(error: StoreError) -> ResponseReturnValue:
    return render_template("connect.html", error=f"The store did not answer: {error}"), 502


@blueprint.get("/connect")
def connect() -> str:
    """Install on a Shopify shop or connect an Etsy shop."""
    return render_template("connect.html", error=None)


@blueprint.post("/logout")
def logout() -> Response:
    """Forget the signed-in shop in this browser."""
    session.clear()
    return redirect(url_for("auth.connect"))


@blueprint.get("/auth/shopify")
def shopify_install() -> Response:
    """Start the install: check the link Shopify signed (when it did), then ask for approval."""
    config = settings()
    client_id, secret = _shopify_credentials()
    if "hmac" in request.args:
        shop = shopify_auth.verify_install_query(request.args.to_dict(), secret)
    else:
        shop = request.args.get("shop", "").strip().lower()
        if not shopify_auth.shop_domain_is_valid(shop):
            raise AuthRefused(f"{shop!r} is not a myshopify.com shop domain")
    oauth_state = shopify_auth.new_state()
    session[_SHOPIFY_STATE_KEY] = {"state": oauth_state, "shop": shop}
    return redirect(
        shopify_auth.authorization_url(
            shop,
            client_id,
            SHOPIFY_SCOPES,
            f"{config.app_url}{url_for('auth.shopify_callback')}",
            oauth_state,
            base_url=shopify_shop_url(shop),
        )
    )


@blueprint.get("/auth/shopify/callback")
def shopify_callback() -> Response:
    """Finish the install: state (single use, this browser's), HMAC, shop, then the code."""
    client_id, secret = _shopify_credentials()
    started = session.pop(_SHOPIFY_STATE_KEY, None) or {}
    shopify_auth.verify_state(started.get("state"), request.args.get("state"))
    shop = shopify_auth.verify_install_query(request.args.to_dict(), secret)
    if shop != started.get("shop"):
        raise AuthRefused("the callback is for another shop than the install started with")
    tokens = shopify_auth.exchange_code(
        shop, request.args.get("code", ""), client_id, secret, base_url=shopify_shop_url(shop)
    )
    _sign_in(_save_shop(ShopPlatform.SHOPIFY, shop, shop, tokens))
    return redirect(url_for("dashboard.catalog"))


@blueprint.get("/auth/etsy")
def etsy_connect() -> Response:
    """Start Etsy's OAuth with PKCE: the verifier stays in this browser's session."""
    config = settings()
    keystring = _etsy_keystring()
    verifier, oauth_state = etsy_auth.new_code_verifier(), etsy_auth.new_state()
    session[_ETSY_STATE_KEY] = {"state": oauth_state, "verifier": verifier}
    return redirect(
        etsy_auth.authorization_url(
            keystring,
            _etsy_redirect_uri(),
            oauth_state,
            etsy_auth.code_challenge(verifier),
            connect_url=config.etsy_connect_url,
        )
    )


@blueprint.get("/auth/etsy/callback")
def etsy_callback() -> Response:
    """Finish the Etsy connect: state, code and verifier, then which shop the seller owns."""
    config = settings()
    keystring = _etsy_keystring()
    started = session.pop(_ETSY_STATE_KEY, None) or {}
    expected, received = started.get("state", ""), request.args.get("state", "")
    if not expected or not received or not hmac.compare_digest(expected, received):
        raise AuthRefused("the Etsy state does not match this browser's: connect again")
    if "error" in request.args:
        raise AuthRefused(f"Etsy refused the connection: {request.args['error']}")
    tokens = etsy_auth.exchange_code(
        request.args.get("code", ""),
        started["verifier"],
        keystring,
        _etsy_redirect_uri(),
        token_url=f"{config.etsy_api_url.rstrip('/')}/v3/public/oauth/token",
    )
    client = EtsyClient(
        keystring,
        config.etsy_shared_secret or "",
        _FixedToken(tokens.access_token),
        base_url=config.etsy_api_url,
    )
    try:
        shop_id = int(client.get_me()["shop_id"])
        name = str(client.get_shop(shop_id).get("shop_name") or f"Etsy shop {shop_id}")
    except (StoreError, KeyError, TypeError, ValueError) as error:
        raise AuthRefused(f"the Etsy account has no shop adorn can read: {error}") from None
    _sign_in(_save_shop(ShopPlatform.ETSY, str(shop_id), name, tokens))
    return redirect(url_for("dashboard.catalog"))


def require_shop() -> Response | None:
    """Before every feature view: find the signed-in shop, or send the browser to /connect.

    An embedded request's session token (Authorization: Bearer, or id_token on the app's first
    load) is verified and wins over the cookie; a bad one is a 401, never a fallback.
    """
    token = _session_token()
    if token is not None:
        g.shop_id = _shop_from_session_token(token)
        session[SHOP_ID_KEY] = g.shop_id
        return None
    shop_id = session.get(SHOP_ID_KEY)
    if shop_id is not None:
        with db() as database:
            shop = database.get(Shop, shop_id)
        if shop is not None and shop.uninstalled_at is None:
            g.shop_id = shop_id
            return None
        session.pop(SHOP_ID_KEY, None)
    if request.accept_mimetypes.best == "application/json" or request.method != "GET":
        raise AuthRefused("sign in first")
    return redirect(url_for("auth.connect"))


def shopify_shop_url(shop: str) -> str | None:
    """Where https://<shop> is: None for the real Shopify, `prefix/<shop>` for the sandbox."""
    prefix = settings().shopify_base_url
    return f"{prefix.rstrip('/')}/{shop}" if prefix else None


def _session_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    if request.method == "GET" and request.args.get("id_token"):
        return request.args["id_token"]
    return None


def _shop_from_session_token(token: str) -> int:
    """The shop id of a verified session token; a shop seen for the first time is installed by
    token exchange (Shopify-managed install)."""
    client_id, secret = _shopify_credentials()
    try:
        shop = decode_session_token(token, client_id, secret).shop
    except AuthError as error:
        raise AuthRefused(str(error)) from None
    with db() as database:
        known = find_shop(database, ShopPlatform.SHOPIFY, shop)
        if known is not None and known.id is not None and known.tokens_encrypted is not None:
            return known.id
    tokens = shopify_auth.exchange_session_token(
        shop, token, client_id, secret, base_url=shopify_shop_url(shop)
    )
    return _save_shop(ShopPlatform.SHOPIFY, shop, shop, tokens)


def _save_shop(platform: ShopPlatform, remote_id: str, name: str, tokens: TokenSet) -> int:
    """Store the shop with its tokens encrypted, then start its first (or a fresh) sync."""
    with db() as database:
        shop = save_installed_shop(
            database,
            platform=platform,
            remote_id=remote_id,
            name=name,
            scopes=tokens.scopes,
            tokens_encrypted=state().jobs.cipher.encrypt(tokens),
        )
        shop_id = shop.id
    assert shop_id is not None, "save_installed_shop flushes, which assigns the id"
    enqueue_sync(shop_id)
    return shop_id


def _sign_in(shop_id: int) -> None:
    csrf = session.get("csrf_token")
    session.clear()  # nothing from before the sign-in survives it (session fixation)
    if csrf:
        session["csrf_token"] = csrf
    session[SHOP_ID_KEY] = shop_id


def _shopify_credentials() -> tuple[str, str]:
    config = settings()
    if not config.shopify_api_key or not config.shopify_api_secret:
        raise AuthRefused("Shopify is not configured: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
    return config.shopify_api_key, config.shopify_api_secret


def _etsy_keystring() -> str:
    keystring = settings().etsy_keystring
    if not keystring:
        raise AuthRefused("Etsy is not configured: set ETSY_KEYSTRING and ETSY_SHARED_SECRET")
    return keystring


def _etsy_redirect_uri() -> str:
    return f"{settings().app_url}{url_for('auth.etsy_callback')}"


class _FixedToken:
    """The access token just issued, for the two identity calls made while connecting."""

    def __init__(self, access_token: str) -> None:
        self._access_token = access_token

    def access_token(self) -> str:
        return self._access_token

    def refresh_after_rejection(self, rejected_token: str) -> str:
        raise AuthError("Etsy refused the token it has just issued")
