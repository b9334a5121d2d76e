"""The store client for a shop row: Shopify or Etsy, with its tokens kept in the shop's row."""

from __future__ import annotations

import requests
from sqlalchemy import Engine
from sqlmodel import Session

from core.settings import Settings
from integrations.errors import AuthError
from integrations.etsy.auth import EtsyTokenKeeper
from integrations.etsy.client import API_URL as ETSY_API_URL
from integrations.etsy.client import EtsyClient
from integrations.etsy.store import ETSY_IMAGE_HOSTS, EtsyStore
from integrations.shopify.auth import TokenKeeper, refresh_tokens
from integrations.shopify.graphql_client import AdminClient
from integrations.shopify.store import SHOPIFY_IMAGE_HOSTS, ShopifyStore
from integrations.store import StoreClient
from integrations.tokens import (
    RedisRefreshLock,
    RefreshLock,
    ThreadRefreshLock,
    TokenCipher,
    TokenSet,
)
from jobs.context import current
from models.db import session_scope
from models.enums import ShopPlatform
from models.tables import Shop

# One per process: the per-shop refresh lock must be shared by every client in the process.
_thread_refresh_lock = ThreadRefreshLock()


class ShopRowTokenStore:
    """A TokenStore over shops.tokens_encrypted, keyed by the shop's row id.

    Each load and save is its own short transaction: a refreshed (rotated) token pair must be
    saved at once, even if the job that triggered the refresh fails later.
    """

    def __init__(self, engine: Engine, shop_id: int, cipher: TokenCipher) -> None:
        self._engine = engine
        self._shop_id = shop_id
        self._cipher = cipher

    def load(self, shop_key: str) -> TokenSet | None:
        with session_scope(self._engine) as session:
            shop = session.get(Shop, self._shop_id)
            if shop is None or shop.tokens_encrypted is None:
                return None
            return self._cipher.decrypt(shop.tokens_encrypted)

    def save(self, shop_key: str, tokens: TokenSet) -> None:
        with session_scope(self._engine) as session:
            shop = session.get(Shop, self._shop_id)
            if shop is None or shop.uninstalled_at is not None:
                raise AuthError(f"{shop_key} is no longer installed: its tokens are not kept")
            shop.tokens_encrypted = self._cipher.encrypt(tokens)
            session.add(shop)


def store_client_for(shop: Shop, settings: Settings, session: Session) -> StoreClient:
    """The StoreClient for the shop, authenticated with its stored (and refreshed) tokens."""
    if shop.id is None:
        raise ValueError("the shop must be saved before it has a store client")
    if shop.uninstalled_at is not None or shop.tokens_encrypted is None:
        raise AuthError(f"{shop.remote_id} is not installed: no store client")
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    tokens = ShopRowTokenStore(engine, shop.id, TokenCipher(settings.token_key))
    http = requests.Session()
    if shop.platform == ShopPlatform.SHOPIFY:
        return _shopify_store(shop.remote_id, settings, tokens, http)
    return _etsy_store(shop, settings, tokens, http)


def _refresh_lock() -> RefreshLock:
    redis = current().redis
    return _thread_refresh_lock if redis is None else RedisRefreshLock(redis)


def _shopify_store(
    domain: str, settings: Settings, tokens: ShopRowTokenStore, http: requests.Session
) -> ShopifyStore:
    base_url = (
        f"{settings.shopify_base_url.rstrip('/')}/{domain}"
        if settings.shopify_base_url
        else f"https://{domain}"
    )
    client_id, client_secret = settings.shopify_api_key, settings.shopify_api_secret
    if not client_id or not client_secret:
        raise AuthError("SHOPIFY_API_KEY and SHOPIFY_API_SECRET are not configured")

    def refresher(shop_key: str, current_tokens: TokenSet) -> TokenSet:
        return refresh_tokens(
            shop_key, current_tokens, client_id, client_secret, base_url=base_url, http=http
        )

    keeper = TokenKeeper(tokens, _refresh_lock(), refresher)
    client = AdminClient(domain, base_url, lambda: keeper.access_token(domain), http)
    return ShopifyStore(
        client,
        http,
        image_hosts=(*SHOPIFY_IMAGE_HOSTS, *settings.image_hosts),
        # Only a sandbox (a base URL of our own) serves photos from loopback or private addresses.
        allow_private_addresses=settings.shopify_base_url is not None,
    )


def _etsy_store(
    shop: Shop, settings: Settings, tokens: ShopRowTokenStore, http: requests.Session
) -> EtsyStore:
    keystring, shared_secret = settings.etsy_keystring, settings.etsy_shared_secret
    if not keystring or not shared_secret:
        raise AuthError("ETSY_KEYSTRING and ETSY_SHARED_SECRET are not configured")
    api_url = settings.etsy_api_url.rstrip("/")
    keeper = EtsyTokenKeeper(
        tokens,
        _refresh_lock(),
        f"etsy:{shop.remote_id}",
        keystring,
        token_url=f"{api_url}/v3/public/oauth/token",
        http=http,
    )
    client = EtsyClient(keystring, shared_secret, keeper, base_url=api_url, http=http)
    return EtsyStore(
        client,
        int(shop.remote_id),
        image_hosts=(*ETSY_IMAGE_HOSTS, *settings.image_hosts),
        allow_private_addresses=api_url != ETSY_API_URL,
        http=http,
    )
