"""Both sandbox stores, seeded and served on loopback: for `adorn sandbox`, the demo and benchmarks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from integrations.sandbox.etsy.app import create_etsy_sandbox
from integrations.sandbox.etsy.seed import seed_shop
from integrations.sandbox.etsy.state import EtsySandboxApp, EtsySandboxState
from integrations.sandbox.etsy.state import SandboxShop as EtsyShop
from integrations.sandbox.server import RunningServer, serve_in_thread
from integrations.sandbox.shopify.app import create_shopify_sandbox
from integrations.sandbox.shopify.query_cost import BucketSettings
from integrations.sandbox.shopify.seed import make_shop, seed_catalog
from integrations.sandbox.shopify.state import SandboxApp, ShopifySandboxState

SHOPIFY_SCHEMA_FILE = "shopify-admin-2025-09-unstable.graphql"
ETSY_SPEC_FILE = "etsy-openapi-v3.json"
DEMO_SHOP = "adorn-demo.myshopify.com"
SHOPIFY_SCOPES = ("read_products", "write_products", "read_files", "write_files")


@dataclass
class SandboxStores:
    """The two running sandboxes with their state and the credentials of the app registered in them."""

    shopify: RunningServer
    shopify_state: ShopifySandboxState
    shop_domain: str
    etsy: RunningServer
    etsy_state: EtsySandboxState
    etsy_shop: EtsyShop

    @property
    def shop_url(self) -> str:
        """Where https://<shop-domain> is, for a client of the Shopify sandbox."""
        return f"{self.shopify.base_url}/shops/{self.shop_domain}"

    def app_settings(self) -> dict[str, object]:
        """The settings that point adorn at these sandboxes (for Settings.with_overrides)."""
        shopify_app, etsy_app = self.shopify_state.app, self.etsy_state.app
        return {
            "shopify_api_key": shopify_app.client_id,
            "shopify_api_secret": shopify_app.client_secret,
            "shopify_base_url": f"{self.shopify.base_url}/shops",
            "etsy_keystring": etsy_app.keystring,
            "etsy_shared_secret": etsy_app.shared_secret,
            "etsy_api_url": self.etsy.base_url,
            "etsy_connect_url": f"{self.etsy.base_url}/oauth/connect",
            "image_hosts": ("127.0.0.1",),
        }

    def stop(self) -> None:
        self.shopify.stop()
        self.etsy.stop()


def start_sandbox_stores(
    specs_dir: Path,
    redirect_urls: tuple[str, ...],
    products: int = 24,
    photo_px: int = 1600,
    seed: int = 0,
    bucket: BucketSettings | None = None,
    shopify_port: int = 0,
    etsy_port: int = 0,
) -> SandboxStores:
    """Start the Shopify and Etsy sandboxes, each with a shop of `products` sample products.

    `specs_dir` holds the platforms' published schemas that every request is checked against;
    `redirect_urls` are the OAuth callbacks the registered app may use.
    """
    schema, etsy_spec = specs_dir / SHOPIFY_SCHEMA_FILE, specs_dir / ETSY_SPEC_FILE
    for path in (schema, etsy_spec):
        if not path.is_file():
            raise FileNotFoundError(f"the sandboxes need the platform spec {path}")

    shopify_state = ShopifySandboxState(
        app=SandboxApp(
            client_id=f"sandbox-{secrets.token_hex(8)}",
            client_secret=f"shpss_{secrets.token_hex(16)}",
            scopes=SHOPIFY_SCOPES,
            redirect_urls=redirect_urls,
        )
    )
    make_shop(shopify_state, DEMO_SHOP, name="Adorn Demo Jewelry")
    seed_catalog(shopify_state, DEMO_SHOP, count=products, photo_px=photo_px, seed=seed)
    shopify = serve_in_thread(create_shopify_sandbox(shopify_state, schema, bucket), shopify_port)

    etsy_state = EtsySandboxState(
        app=EtsySandboxApp(
            keystring=secrets.token_hex(12),
            shared_secret=secrets.token_hex(8),
            redirect_uris=redirect_urls,
        )
    )
    etsy_shop = seed_shop(etsy_state, count=products, seed=seed, photo_px=photo_px)
    etsy = serve_in_thread(create_etsy_sandbox(etsy_state, etsy_spec), etsy_port)
    return SandboxStores(shopify, shopify_state, DEMO_SHOP, etsy, etsy_state, etsy_shop)
