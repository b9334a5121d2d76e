"""The Etsy Open API v3 client: the calls adorn makes, within Etsy's rate limits, with retries.

Paths, parameters and bodies follow ../shared/specs/etsy-openapi-v3.json operation by operation
(the sandbox refuses anything else). Every call carries `x-api-key: keystring:shared_secret` and
the shop's Bearer token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from integrations.errors import AuthError, RateLimitedError, StoreError, TransientError

API_URL = "https://api.etsy.com"
LISTING_INCLUDES = ("Images", "Inventory")
MAX_ALT_TEXT = 500
# Etsy does not say when a spent daily budget comes back (it is a rolling window): try again later.
DAILY_BUDGET_RETRY_S = 900.0

JsonObject = dict[str, Any]


class RequestRefusedError(StoreError):
    """Etsy refused the request itself (4xx other than auth): not found, invalid, conflict."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class AccessTokenProvider(Protocol):
    """Hands out the shop's access token and refreshes it when Etsy rejects it."""

    def access_token(self) -> str: ...

    def refresh_after_rejection(self, rejected_token: str) -> str: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long the client keeps trying before it gives the failure to the job."""

    max_retries: int = 4  # per kind of failure: throttling, and 5xx or network errors
    backoff_s: float = 0.5  # first wait after a 5xx, doubled on each further one
    max_retry_after_s: float = 60.0  # a longer retry-after is handed to the job at once
    timeout_s: float = 30.0

    def backoff(self, failures: int) -> float:
        return self.backoff_s * 2 ** (failures - 1)


class _RateGate:
    """Etsy's budgets as its response headers report them, shared by every thread of a client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._day_spent_at: float | None = None

    def wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            if self._day_spent_at is not None:
                retry_after = self._day_spent_at + DAILY_BUDGET_RETRY_S - now
                if retry_after > 0:
                    raise RateLimitedError("Etsy's daily request budget is spent", retry_after)
                self._day_spent_at = None
            # Sleeping under the lock is the point: every thread waits for the next second.
            if self._paused_until > now:
                time.sleep(self._paused_until - now)

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining_second = _int_header(headers, "x-remaining-this-second")
        remaining_today = _int_header(headers, "x-remaining-today")
        with self._lock:
            now = time.monotonic()
            if remaining_second is not None and remaining_second <= 0:
                self._paused_until = max(self._paused_until, now + 1.0)
            if remaining_today is not None and remaining_today <= 0:
                self._day_spent_at = now

    def hold_off(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class EtsyClient:
    """One Etsy app (keystring and shared secret) acting for one seller (the token provider)."""

    def __init__(
        self,
        api_key: str,
        shared_secret: str,
        access_token_provider: AccessTokenProvider,
        base_url: str = API_URL,
        http: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._api_key_header = f"{api_key}:{shared_secret}"
        self._tokens = access_token_provider
        self._base_url = base_url.rstrip("/")
        self._http = http or requests.Session()
        self._retry = retry or RetryPolicy()
        self._gate = _RateGate()

    def get_me(self) -> JsonObject:
        """getMe: the seller's user_id and shop_id."""
        return self._json("GET", "/v3/application/users/me")

    def get_shop(self, shop_id: int) -> JsonObject:
        """getShop."""
        return self._json("GET", f"/v3/application/shops/{int(shop_id)}")

    def get_listings_by_shop(
        self,
        shop_id: int,
        state: str = "active",
        limit: int = 100,
        offset: int = 0,
        sort_on: str = "updated",
        sort_order: str = "desc",
        includes: Sequence[str] = LISTING_INCLUDES,
    ) -> JsonObject:
        """getListingsByShop: one page, {"count": total, "results": [listing...]}."""
        params: dict[str, str | int] = {
            "state": state,
            "limit": limit,
            "offset": offset,
            "sort_on": sort_on,
            "sort_order": sort_order,
        }
        if includes:
            params["includes"] = ",".join(includes)
        return self._json("GET", f"/v3/application/shops/{int(shop_id)}/listings", params=params)

    def get_listing(self, listing_id: int, includes: Sequence[str] = ("Images",)) -> JsonObject:
        """getListing (Etsy offers no Inventory include here: see get_listing_inventory)."""
        params = {"includes": ",".join(includes)} if includes else None
        return self._json("GET", f"/v3/application/listings/{int(listing_id)}", params=params)

    def get_listing_inventory(self, listing_id: int) -> JsonObject:
        """getListingInventory: {"products": [...]} with SKUs and property values."""
        return self._json("GET", f"/v3/application/listings/{int(listing_id)}/inventory")

    def get_listing_images(self, listing_id: int) -> list[JsonObject]:
        """getListingImages, in Etsy's order (by rank)."""
        body = self._json("GET", f"/v3/application/listings/{int(listing_id)}/images")
        images: list[JsonObject] = body["results"]
        return sorted(images, key=lambda image: image["rank"])

    def upload_listing_image(
        self,
        shop_id: int,
        listing_id: int,
        data: bytes,
        filename: str,
        rank: int | None = None,
        alt_text: str = "",
        overwrite: bool = False,
        mime_type: str = "image/jpeg",
    ) -> JsonObject:
        """uploadListingImage (multipart/form-data); returns the new ListingImage."""
        if len(alt_text) > MAX_ALT_TEXT:
            raise StoreError(f"Etsy alt text is at most {MAX_ALT_TEXT} characters")
        fields: dict[str, str] = {"overwrite": "true" if overwrite else "false"}
        if rank is not None:
            fields["rank"] = str(rank)
        if alt_text:
            fields["alt_text"] = alt_text
        path = f"/v3/application/shops/{int(shop_id)}/listings/{int(listing_id)}/images"
        files = {"image": (filename, data, mime_type)}
        return self._json("POST", path, data=fields, files=files)

    def delete_listing_image(self, shop_id: int, listing_id: int, listing_image_id: int) -> None:
        """deleteListingImage."""
        path = (
            f"/v3/application/shops/{int(shop_id)}/listings/{int(listing_id)}"
            f"/images/{int(listing_image_id)}"
        )
        self._call("DELETE", path)

    def update_listing(
        self, shop_id: int, listing_id: int, fields: Mapping[str, str]
    ) -> JsonObject:
        """updateListing: PATCH, application/x-www-form-urlencoded (arrays comma-separated)."""
        path = f"/v3/application/shops/{int(shop_id)}/listings/{int(listing_id)}"
        return self._json("PATCH", path, data=dict(fields))

    def _json(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> JsonObject:
        body: JsonObject = self._call(method, path, params, data, files).json()
        return body

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> requests.Response:
        """Send one operation; retry 429 (after retry-after), 5xx (backing off) and one 401."""
        what = f"{method} {path}"
        token = self._tokens.access_token()
        refreshed = False
        throttled = failures = 0
        while True:
            self._gate.wait_turn()
            try:
                response = self._http.request(
                    method,
                    self._base_url + path,
                    params=params,
                    data=data,
                    files=files,
                    headers={"x-api-key": self._api_key_header, "Authorization": f"Bearer {token}"},
                    timeout=self._retry.timeout_s,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                failures += 1
                if failures > self._retry.max_retries:
                    raise TransientError(f"{what} failed: {error}") from error
                time.sleep(self._retry.backoff(failures))
                continue
            self._gate.observe(response.headers)
            status = response.status_code
            if status == 401 and not refreshed:
                token = self._tokens.refresh_after_rejection(token)
                refreshed = True
            elif status == 429:
                throttled += 1
                wait = _retry_after_s(response)
                if throttled > self._retry.max_retries or wait > self._retry.max_retry_after_s:
                    raise RateLimitedError(f"Etsy kept throttling {what}", wait)
                self._gate.hold_off(wait)
            elif status >= 500:
                failures += 1
                if failures > self._retry.max_retries:
                    raise TransientError(f"{what} kept failing: Etsy answered {status}")
                time.sleep(self._retry.backoff(failures))
            elif status >= 400:
                raise _client_error(what, response)
            else:
                return response


def _client_error(what: str, response: requests.Response) -> StoreError:
    try:
        reason = response.json().get("error") or response.reason
    except ValueError:
        reason = response.reason
    message = f"{what}: Etsy answered {response.status_code}: {reason}"
    if response.status_code in (401, 403):
        return AuthError(message)
    return RequestRefusedError(message, response.status_code)


def _retry_after_s(response: requests.Response) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 1.0  # Etsy always sends seconds; without them, wait one per-second window


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
