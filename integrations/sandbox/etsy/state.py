"""Everything the Etsy sandbox remembers, in memory, guarded by one lock.

Tests reach in here to arrange and to check; clients only talk HTTP. Refresh tokens rotate: a
spent refresh token presented again is refused and, as a replay, revokes the grant it came from.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field


@dataclass
class EtsySandboxApp:
    """The developer app registered with the sandbox (adorn)."""

    keystring: str
    shared_secret: str
    redirect_uris: tuple[str, ...]

    @property
    def api_key_header(self) -> str:
        return f"{self.keystring}:{self.shared_secret}"


@dataclass
class SandboxUser:
    user_id: int
    login_name: str
    shop_id: int | None = None


@dataclass
class SandboxShop:
    shop_id: int
    user_id: int
    shop_name: str
    title: str
    currency_code: str = "USD"
    created_timestamp: int = 0


@dataclass
class SandboxImage:
    listing_image_id: int
    data: bytes
    width: int
    height: int
    alt_text: str | None
    created_timestamp: int
    mime_type: str = "image/jpeg"


@dataclass
class SandboxProduct:
    """One inventory product: a SKU and its property values (e.g. Ring size: 7)."""

    product_id: int
    sku: str
    properties: dict[str, str]
    price_cents: int
    quantity: int = 5


@dataclass
class SandboxListing:
    listing_id: int
    shop_id: int
    user_id: int
    title: str
    description: str
    tags: list[str]
    state: str  # active, inactive, sold_out, draft, expired
    created_timestamp: int
    updated_timestamp: int
    price_cents: int
    images: list[SandboxImage] = field(default_factory=list)  # in rank order
    products: list[SandboxProduct] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)


@dataclass
class SandboxToken:
    user_id: int
    scopes: tuple[str, ...]
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds
    refresh_expires_at: float
    grant_id: int  # every token rotated from one authorization shares it
    revoked: bool = False


@dataclass
class AuthorizationCode:
    user_id: int
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    expires_at: float


@dataclass
class RateBudget:
    """The app's budget: a token bucket for the per-second limit, and a daily count."""

    tokens: float
    updated_at: float
    day_started_at: float
    used_today: int = 0


@dataclass
class RequestRecord:
    """One API request as the sandbox saw it, for tests to check what a client did."""

    at: float  # monotonic seconds
    method: str
    path: str
    operation_id: str | None
    status: int


@dataclass
class EtsySandboxState:
    """The whole sandbox: the app, users and shops, listings, OAuth grants and budgets."""

    app: EtsySandboxApp
    users: dict[int, SandboxUser] = field(default_factory=dict)
    shops: dict[int, SandboxShop] = field(default_factory=dict)
    listings: dict[int, SandboxListing] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: dict[str, SandboxToken] = field(default_factory=dict)  # access token -> token
    refresh_tokens: dict[str, SandboxToken] = field(default_factory=dict)
    spent_refresh_tokens: dict[str, int] = field(default_factory=dict)  # -> grant id
    authorizing_user_id: int | None = None  # who approves /oauth/connect; None: the first user
    # Limits, as Etsy sets them per app; tests lower them.
    per_second_limit: int = 10
    per_day_limit: int = 10_000
    image_limit: int = 10
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 90 * 24 * 3600
    budget: RateBudget | None = None  # the app's; created by its first request
    # Failure injection: N API requests answer 503 (after letting fail_after_requests through),
    # or the next N answer 429 with this retry-after.
    fail_next_requests: int = 0
    fail_after_requests: int = 0
    throttle_next_requests: int = 0
    throttle_retry_after_s: int = 1
    requests: list[RequestRecord] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    next_id: int = 100_000

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def add_seller(self, login_name: str, shop_name: str) -> SandboxShop:
        """A user with a shop of their own."""
        with self.lock:
            user = SandboxUser(self.new_id(), login_name)
            shop = SandboxShop(self.new_id(), user.user_id, shop_name, f"{shop_name} jewelry")
            shop.created_timestamp = int(time.time())
            user.shop_id = shop.shop_id
            self.users[user.user_id] = user
            self.shops[shop.shop_id] = shop
            return shop

    def issue_tokens(self, user_id: int, scopes: tuple[str, ...], grant_id: int) -> SandboxToken:
        """A new access and refresh token pair; Etsy prefixes both with the user id."""
        with self.lock:
            now = time.time()
            token = SandboxToken(
                user_id=user_id,
                scopes=scopes,
                access_token=f"{user_id}.{secrets.token_urlsafe(32)}",
                refresh_token=f"{user_id}.{secrets.token_urlsafe(32)}",
                expires_at=now + self.access_token_ttl_s,
                refresh_expires_at=now + self.refresh_token_ttl_s,
                grant_id=grant_id,
            )
            self.tokens[token.access_token] = token
            self.refresh_tokens[token.refresh_token] = token
            return token

    def revoke_grant(self, grant_id: int) -> None:
        """Revoke every token of one authorization (what a replayed refresh token triggers)."""
        with self.lock:
            for token in self.tokens.values():
                if token.grant_id == grant_id:
                    token.revoked = True

    def expire_access_token(self, access_token: str) -> None:
        """Make Etsy consider a token expired now, whatever the client believes."""
        with self.lock:
            self.tokens[access_token].expires_at = time.time() - 1

    def requests_for(self, operation_id: str) -> list[RequestRecord]:
        """The recorded requests of one operation, oldest first."""
        with self.lock:
            return [r for r in self.requests if r.operation_id == operation_id]
