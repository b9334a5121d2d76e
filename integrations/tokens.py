"""OAuth tokens: the token set, encryption at rest, where they are kept, and the per-shop refresh lock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken

from integrations.errors import AuthError

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires


@dataclass(frozen=True)
class TokenSet:
    """An access token with its refresh token; times are timezone-aware UTC."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None  # None: does not expire (legacy offline token)
    refresh_expires_at: datetime | None
    scopes: tuple[str, ...]

    def needs_refresh(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.expires_at is not None and now >= self.expires_at - REFRESH_MARGIN

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("expires_at", "refresh_expires_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        data = json.loads(text)
        for key in ("expires_at", "refresh_expires_at"):
            data[key] = datetime.fromisoformat(data[key]) if data[key] else None
        data["scopes"] = tuple(data["scopes"])
        return cls(**data)


class TokenCipher:
    """Encrypts token sets at rest (Fernet: AES-128-CBC with HMAC-SHA256) with a key from settings."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, tokens: TokenSet) -> bytes:
        return self._fernet.encrypt(tokens.to_json().encode())

    def decrypt(self, blob: bytes) -> TokenSet:
        try:
            return TokenSet.from_json(self._fernet.decrypt(blob).decode())
        except InvalidToken:
            raise AuthError(
                "stored tokens cannot be decrypted: was the encryption key changed?"
            ) from None


class TokenStore(Protocol):
    """Where a shop's tokens live (the database in the app; memory in tests)."""

    def load(self, shop_key: str) -> TokenSet | None: ...

    def save(self, shop_key: str, tokens: TokenSet) -> None: ...


class MemoryTokenStore:
    """Tokens in a dict, encrypted like the database keeps them."""

    def __init__(self, cipher: TokenCipher) -> None:
        self._cipher = cipher
        self._blobs: dict[str, bytes] = {}

    def load(self, shop_key: str) -> TokenSet | None:
        blob = self._blobs.get(shop_key)
        return None if blob is None else self._cipher.decrypt(blob)

    def save(self, shop_key: str, tokens: TokenSet) -> None:
        self._blobs[shop_key] = self._cipher.encrypt(tokens)


class RefreshLock(Protocol):
    """Serialises token refreshes per shop, so a rotating refresh token is never used twice."""

    def hold(self, shop_key: str) -> AbstractContextManager[None]: ...


class ThreadRefreshLock:
    """Per-shop lock within one process (the embedded default)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, shop_key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(shop_key, threading.Lock())
        with lock:
            yield


class RedisRefreshLock:
    """Per-shop lock across processes and machines, held in Redis (workers share one Redis)."""

    def __init__(self, redis_client: object, timeout_s: float = 30.0) -> None:
        self._redis = redis_client
        self._timeout_s = timeout_s

    @contextmanager
    def hold(self, shop_key: str) -> Iterator[None]:
        lock = self._redis.lock(  # type: ignore[attr-defined]
            f"adorn:refresh-lock:{shop_key}",
            timeout=self._timeout_s,
            blocking_timeout=self._timeout_s,
        )
        if not lock.acquire():
            raise AuthError(f"could not take the token refresh lock for {shop_key} in time")
        try:
            yield
        finally:
            lock.release()
