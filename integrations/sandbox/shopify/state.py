"""Everything the Shopify sandbox remembers, in memory, guarded by one lock.

Each shop is served under its own path prefix, /shops/<shop-domain>/, so one sandbox hosts many
shops on one loopback port; a client's base URL is that prefix instead of https://<shop-domain>.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SandboxApp:
    """The partner app registered with the sandbox (adorn), with its credentials."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    redirect_urls: tuple[str, ...] = ()


@dataclass
class SandboxMedia:
    id: str  # gid://shopify/MediaImage/N
    url: str  # served by the sandbox under /cdn/
    alt: str | None
    status: str  # UPLOADED, PROCESSING, READY, FAILED
    width: int | None = None
    height: int | None = None
    error: str | None = None
    ready_at: float = 0.0  # monotonic time when PROCESSING becomes READY or FAILED
    file_bytes: bytes = b""


@dataclass
class SandboxVariant:
    id: str
    title: str
    sku: str | None
    selected_options: dict[str, str]


@dataclass
class SandboxProduct:
    id: str  # gid://shopify/Product/N
    title: str
    handle: str
    product_type: str
    tags: list[str]
    description_html: str
    options: dict[str, list[str]]
    variants: list[SandboxVariant]
    media: list[SandboxMedia]
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass
class SandboxToken:
    shop: str
    access_token: str
    refresh_token: str | None
    expires_at: float | None  # epoch seconds; None: non-expiring
    refresh_expires_at: float | None
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class WebhookSubscription:
    id: str
    topic: str  # e.g. PRODUCTS_CREATE
    uri: str


@dataclass
class SandboxShop:
    domain: str
    name: str
    products: dict[str, SandboxProduct] = field(default_factory=dict)
    webhooks: list[WebhookSubscription] = field(default_factory=list)
    installed: bool = False
    # Leaky bucket of GraphQL cost points (Standard plan): 1000 points, 100 restored per second.
    bucket_available: float = 1000.0
    bucket_updated: float = 0.0


@dataclass
class ShopifySandboxState:
    """The whole sandbox. Tests reach in here to arrange and to check; the app only talks HTTP."""

    app: SandboxApp
    shops: dict[str, SandboxShop] = field(default_factory=dict)
    tokens: dict[str, SandboxToken] = field(default_factory=dict)  # access token -> token
    refresh_tokens: dict[str, SandboxToken] = field(default_factory=dict)  # refresh -> token
    used_refresh_tokens: set[str] = field(default_factory=set)
    # code -> (shop, scopes); upload key -> bytes once posted
    auth_codes: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    staged_uploads: dict[str, bytes | None] = field(default_factory=dict)
    # Failure injection for tests: the next N Admin API calls answer 503; tokens expire early.
    fail_next_requests: int = 0
    access_token_ttl_s: float = 3600.0
    media_processing_s: float = 0.3
    lock: threading.RLock = field(default_factory=threading.RLock)
    next_id: int = 1000

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id
