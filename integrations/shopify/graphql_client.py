"""The Admin GraphQL client: one shop, its token sent per request, retries and cost-based pacing.

Shopify meters GraphQL calls with a leaky bucket of cost points (extensions.cost.throttleStatus).
The client remembers the bucket from each answer and, before a call whose cost it expects to exceed
what is left, sleeps just long enough for the bucket to refill, so long syncs run at the restore
rate instead of hitting THROTTLED. It still retries THROTTLED, 429, 5xx and network failures.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import requests
from graphql import OperationDefinitionNode, OperationType, parse

from integrations.errors import AuthError, RateLimitedError, StoreError, TransientError
from integrations.shopify.api_version import ADMIN_API_VERSION
from integrations.shopify.documents import load_document

# Retrying these cannot repeat a mutation: Shopify refused the request before running it.
_REFUSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry; back-off doubles per attempt, with jitter."""

    max_attempts: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass
class ThrottleStatus:
    """The shop's cost bucket as last reported, and when (client clock) it was seen."""

    currently_available: float
    restore_rate: float
    maximum_available: float
    observed_at: float

    def available_at(self, now: float) -> float:
        refilled = self.currently_available + self.restore_rate * (now - self.observed_at)
        return min(self.maximum_available, refilled)


@dataclass
class ClientStats:
    """What the client did, for benchmarks and tests."""

    requests: int = 0  # HTTP requests sent, retries included
    throttled: int = 0  # THROTTLED answers and 429s
    retries: int = 0
    sleeps: int = 0
    slept_s: float = 0.0
    cost_spent: float = 0.0  # actual query cost, summed over successful calls
    documents: Counter[str] = field(default_factory=Counter)  # successful calls per document


class AdminClient:
    """Calls the Admin GraphQL API of one shop. Not shared between shops or threads."""

    def __init__(
        self,
        shop: str,
        base_url: str,
        access_token_provider: Callable[[], str],
        http: requests.Session,
        api_version: str = ADMIN_API_VERSION,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.shop = shop
        self.endpoint = f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.stats = ClientStats()
        self.throttle: ThrottleStatus | None = None
        self._token = access_token_provider
        self._http = http
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._expected_cost: dict[str, float] = {}

    def execute(
        self, document_name: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run graphql/<document_name>.graphql and return its `data`.

        Raises AuthError (401), StoreError (GraphQL errors, userErrors, other 4xx),
        RateLimitedError (still throttled after the retries) or TransientError (5xx or network
        failures that outlasted the retries).
        """
        source = load_document(document_name)
        mutation = _is_mutation(document_name)
        failure: StoreError = TransientError(f"Shopify call {document_name} was not attempted")
        for attempt in range(self._retry.max_attempts):
            if attempt:
                self.stats.retries += 1
            self._pace(self._expected_cost.get(document_name))
            try:
                response = self._post(source, variables)
            except requests.ConnectTimeout as error:
                failure = TransientError(f"could not connect to {self.shop}: {error}")
                self._back_off(attempt)
                continue
            except requests.RequestException as error:
                failure = TransientError(f"network error calling {self.shop}: {error}")
                if mutation:  # it may have run: a blind retry could apply it twice
                    raise failure from error
                self._back_off(attempt)
                continue
            status = response.status_code
            if status == 401:
                raise AuthError(f"Shopify refused the access token for {self.shop}")
            if status == 429:
                self.stats.throttled += 1
                failure = RateLimitedError(f"{self.shop} answered 429", _retry_after(response))
                self._wait(_retry_after(response) or self._backoff_delay(attempt))
                continue
            if status >= 500:
                failure = TransientError(f"{self.shop} answered HTTP {status}")
                if mutation and status not in _REFUSED_STATUSES:
                    raise failure
                self._back_off(attempt)
                continue
            if status != 200:
                raise StoreError(f"{self.shop} answered HTTP {status}: {_error_text(response)}")
            body = response.json()
            requested = self._note_cost(document_name, body)
            errors = body.get("errors")
            if _is_throttled(errors):
                self.stats.throttled += 1
                wait_s = self._refill_delay(requested) or self._backoff_delay(attempt)
                failure = RateLimitedError(f"{self.shop} kept throttling {document_name}", wait_s)
                self._wait(wait_s)
                continue
            if errors:
                raise StoreError(f"Shopify refused {document_name}: {_messages(errors)}")
            data: dict[str, Any] = body["data"]
            _raise_user_errors(document_name, data)
            self.stats.documents[document_name] += 1
            return data
        raise failure

    def last_requested_cost(self, document_name: str) -> float | None:
        """The requested cost Shopify last reported for `document_name`, if it was sent."""
        return self._expected_cost.get(document_name)

    def _post(self, source: str, variables: Mapping[str, Any] | None) -> requests.Response:
        self.stats.requests += 1
        return self._http.post(
            self.endpoint,
            json={"query": source, "variables": dict(variables or {})},
            headers={"X-Shopify-Access-Token": self._token(), "Accept": "application/json"},
            timeout=self._timeout_s,
        )

    def _note_cost(self, document_name: str, body: Mapping[str, Any]) -> float | None:
        cost = (body.get("extensions") or {}).get("cost")
        if not cost:
            return None
        bucket = cost.get("throttleStatus")
        if bucket:
            self.throttle = ThrottleStatus(
                currently_available=float(bucket["currentlyAvailable"]),
                restore_rate=float(bucket["restoreRate"]),
                maximum_available=float(bucket["maximumAvailable"]),
                observed_at=self._clock(),
            )
        requested = cost.get("requestedQueryCost")
        if requested is None:
            return None
        self._expected_cost[document_name] = float(requested)
        if cost.get("actualQueryCost") is not None:
            self.stats.cost_spent += float(cost["actualQueryCost"])
        return float(requested)

    def _pace(self, expected_cost: float | None) -> None:
        delay = self._refill_delay(expected_cost)
        if delay:
            self._wait(delay)

    def _refill_delay(self, cost: float | None) -> float:
        """Seconds until the bucket holds `cost` points, by the last reported status."""
        if cost is None or self.throttle is None or self.throttle.restore_rate <= 0:
            return 0.0
        missing = cost - self.throttle.available_at(self._clock())
        return max(0.0, missing / self.throttle.restore_rate)

    def _backoff_delay(self, attempt: int) -> float:
        ceiling = min(self._retry.backoff_max_s, self._retry.backoff_base_s * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)

    def _back_off(self, attempt: int) -> None:
        if attempt + 1 < self._retry.max_attempts:
            self._wait(self._backoff_delay(attempt))

    def _wait(self, seconds: float) -> None:
        self.stats.sleeps += 1
        self.stats.slept_s += seconds
        self._sleep(seconds)


@cache
def _is_mutation(document_name: str) -> bool:
    operation = parse(load_document(document_name)).definitions[0]
    return (
        isinstance(operation, OperationDefinitionNode)
        and operation.operation == OperationType.MUTATION
    )


def _retry_after(response: requests.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 0.0


def _is_throttled(errors: object) -> bool:
    return isinstance(errors, list) and any(
        isinstance(error, Mapping) and (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in errors
    )


def _messages(errors: object) -> str:
    if isinstance(errors, list):
        return "; ".join(
            str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
            for error in errors
        )
    return str(errors)


def _error_text(response: requests.Response) -> str:
    try:
        return _messages(response.json().get("errors"))
    except ValueError:
        return response.text[:200]


def _raise_user_errors(document_name: str, data: Mapping[str, Any]) -> None:
    for payload in data.values():
        user_errors = payload.get("userErrors") if isinstance(payload, Mapping) else None
        if user_errors:
            raise StoreError(f"Shopify refused {document_name}: {_messages(user_errors)}")
