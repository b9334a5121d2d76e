"""Catalog sync against the Shopify sandbox, and webhook verification latency.

    python benchmarks/sync.py [--products 5000] [--restore-rate 100]

Syncs a sandbox shop of N products through the real Admin GraphQL client over loopback HTTP, with
the sandbox's leaky cost bucket at a Standard plan's rate, then prints products per second, the
fraction of the bucket's theoretical rate the sync used (target >= 80 %), the throttled requests
(target 0), and p50/p99 of verifying a signed webhook (HMAC over the raw body).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli_tables import format_table
from core.settings import Settings
from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.state import SandboxToken
from integrations.sandbox.stores import start_sandbox_stores
from integrations.shopify.catalog import iter_products
from integrations.shopify.graphql_client import AdminClient
from integrations.shopify.webhooks import verify_webhook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument(
        "--restore-rate", type=float, default=100.0, help="bucket points per second"
    )
    parser.add_argument("--webhooks", type=int, default=5000, help="signed webhooks to verify")
    args = parser.parse_args()

    bucket = BucketSettings(maximum=1000.0, restore_rate=args.restore_rate)
    print(f"seeding {args.products} products...", file=sys.stderr)
    stores = start_sandbox_stores(
        Settings.from_env().specs_dir, (), products=args.products, photo_px=320, bucket=bucket
    )
    try:
        token = _install_token(stores.shopify_state, stores.shop_domain)
        with requests.Session() as http:
            client = AdminClient(stores.shop_domain, stores.shop_url, lambda: token, http)
            started = time.monotonic()
            synced = sum(1 for _ in iter_products(client))
            elapsed = time.monotonic() - started
        stats = client.stats
    finally:
        stores.stop()

    theoretical = bucket.maximum + bucket.restore_rate * elapsed
    latencies = _webhook_verify_latencies(args.webhooks)
    rows = [
        ["products synced", f"{synced}"],
        ["seconds", f"{elapsed:.1f}"],
        ["products / s", f"{synced / elapsed:.1f}"],
        ["requests (throttled)", f"{stats.requests} ({stats.throttled})"],
        ["cost points spent", f"{stats.cost_spent:.0f}"],
        ["bucket rate used", f"{100 * stats.cost_spent / theoretical:.0f} %"],
        ["webhook verify p50", f"{statistics.median(latencies) * 1e6:.0f} us"],
        ["webhook verify p99", f"{_percentile(latencies, 99) * 1e6:.0f} us"],
    ]
    print(format_table(["measure", "value"], rows))


def _install_token(state: object, shop: str) -> str:
    """An offline token for the shop, as the install flow would leave (the flow has its own tests)."""
    from integrations.sandbox.shopify.state import ShopifySandboxState

    assert isinstance(state, ShopifySandboxState)
    token = SandboxToken(
        shop=shop,
        access_token=f"shpat_{secrets.token_hex(16)}",
        refresh_token=None,
        expires_at=time.time() + 24 * 3600,
        refresh_expires_at=None,
        scopes=state.app.scopes,
    )
    with state.lock:
        state.shops[shop].installed = True
        state.tokens[token.access_token] = token
    return token.access_token


def _webhook_verify_latencies(count: int) -> list[float]:
    secret = secrets.token_hex(16)
    body = json.dumps({"id": 1, "title": "x" * 2000}).encode()
    headers = {
        "X-Shopify-Hmac-Sha256": base64.b64encode(
            hmac.new(secret.encode(), body, hashlib.sha256).digest()
        ).decode(),
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Shop-Domain": "adorn-demo.myshopify.com",
        "X-Shopify-Webhook-Id": "w-1",
        "X-Shopify-Event-Id": "e-1",
        "X-Shopify-Triggered-At": "2026-11-27T12:00:00.000Z",
        "X-Shopify-API-Version": "2025-10",
    }
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        verify_webhook(body, headers, secret)
        latencies.append(time.perf_counter() - started)
    return latencies


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


if __name__ == "__main__":
    main()
