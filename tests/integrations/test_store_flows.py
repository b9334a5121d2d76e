"""Both platforms end to end over real HTTP: install or connect, sync, download a photo, render it
with the imaging engine, publish, republish without duplicates, and receive a signed webhook.

The same code path drives both stores through the StoreClient protocol, as the jobs will.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask import Flask, request

from imaging.image_io import load_image
from imaging.platforms import get_platform
from imaging.render import RenderPipeline
from imaging.samples.products import Metal, SampleKind
from imaging.size_text import parse_product_spec
from imaging.template_library import list_templates
from integrations.etsy import auth as etsy_auth
from integrations.etsy.client import EtsyClient
from integrations.etsy.store import EtsyStore
from integrations.records import ADORN_ALT_MARKER, ProductRecord, PublishImage
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.shopify.oauth import deliver_webhook
from integrations.sandbox.shopify.seed import seller_creates_product
from integrations.sandbox.stores import SandboxStores
from integrations.shopify import auth as shopify_auth
from integrations.shopify.graphql_client import AdminClient
from integrations.shopify.store import ShopifyStore
from integrations.shopify.webhooks import WebhookEvent, verify_webhook
from integrations.store import StoreClient
from integrations.tokens import MemoryTokenStore, ThreadRefreshLock, TokenCipher
from tests.integrations.conftest import CALLBACK, running_sandboxes


@pytest.fixture(scope="module")
def stores() -> Iterator[SandboxStores]:
    yield from running_sandboxes(products=8, photo_px=900)


def _redirect_query(url: str) -> dict[str, str]:
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


def install_shopify(
    stores: SandboxStores, http: requests.Session
) -> tuple[ShopifyStore, AdminClient]:
    """The non-embedded install: authorize, verify the callback, exchange the code."""
    app = stores.shopify_state.app
    state = shopify_auth.new_state()
    url = shopify_auth.authorization_url(
        stores.shop_domain, app.client_id, app.scopes, CALLBACK, state, base_url=stores.shop_url
    )
    callback = _redirect_query(url)
    shopify_auth.verify_state(state, callback["state"])
    shop = shopify_auth.verify_install_query(callback, app.client_secret)
    tokens = shopify_auth.exchange_code(
        shop, callback["code"], app.client_id, app.client_secret, base_url=stores.shop_url
    )
    token_store = MemoryTokenStore(TokenCipher(TokenCipher.new_key()))
    token_store.save(shop, tokens)

    def refresher(shop_key: str, current: shopify_auth.TokenSet) -> shopify_auth.TokenSet:
        return shopify_auth.refresh_tokens(
            shop_key, current, app.client_id, app.client_secret, base_url=stores.shop_url
        )

    keeper = shopify_auth.TokenKeeper(token_store, ThreadRefreshLock(), refresher)
    client = AdminClient(shop, stores.shop_url, lambda: keeper.access_token(shop), http)
    store = ShopifyStore(client, http, image_hosts=("127.0.0.1",), allow_private_addresses=True)
    return store, client


def connect_etsy(stores: SandboxStores, http: requests.Session) -> EtsyStore:
    """OAuth 2.0 with PKCE, as the app's Etsy connect button does."""
    app = stores.etsy_state.app
    verifier, state = etsy_auth.new_code_verifier(), etsy_auth.new_state()
    url = etsy_auth.authorization_url(
        app.keystring,
        CALLBACK,
        state,
        etsy_auth.code_challenge(verifier),
        connect_url=f"{stores.etsy.base_url}/oauth/connect",
    )
    callback = _redirect_query(url)
    assert callback["state"] == state
    token_url = f"{stores.etsy.base_url}/v3/public/oauth/token"
    tokens = etsy_auth.exchange_code(callback["code"], verifier, app.keystring, CALLBACK, token_url)
    shop_key = f"etsy:{stores.etsy_shop.shop_id}"
    token_store = MemoryTokenStore(TokenCipher(TokenCipher.new_key()))
    token_store.save(shop_key, tokens)
    keeper = etsy_auth.EtsyTokenKeeper(
        token_store, ThreadRefreshLock(), shop_key, app.keystring, token_url=token_url
    )
    client = EtsyClient(app.keystring, app.shared_secret, keeper, base_url=stores.etsy.base_url)
    return EtsyStore(
        client,
        stores.etsy_shop.shop_id,
        image_hosts=("127.0.0.1",),
        allow_private_addresses=True,
        http=http,
    )


def _render_for(store: StoreClient, product: ProductRecord, templates: Path) -> list[PublishImage]:
    """Download the product's first photo and render two variations of it with the engine."""
    photo = load_image(store.download_image(product.images[0].url))
    jewelry_type = next(t for t in ("pendant", "ring", "earrings", "bangle") if t in product.title)
    spec = parse_product_spec(f"{product.title}. {product.description_html}", jewelry_type)
    pipeline = RenderPipeline(list_templates(templates), [get_platform("shopify")])
    result = pipeline(photo, spec, variations=2, seed=1)
    return [
        PublishImage(
            data=rendered.exports["shopify"].data,
            filename=f"adorn-{index}.jpg",
            alt_text=f"{product.title} worn by a model {ADORN_ALT_MARKER}",
        )
        for index, rendered in enumerate(result.variations, start=1)
    ]


@pytest.mark.parametrize("platform", ["shopify", "etsy"])
def test_sync_render_publish_and_republish_without_duplicates(
    platform: str, stores: SandboxStores, template_library: Path
) -> None:
    with requests.Session() as http:
        store: StoreClient = (
            install_shopify(stores, http)[0]
            if platform == "shopify"
            else connect_etsy(stores, http)
        )
        products = list(store.list_products())
        assert len(products) >= 8
        product = next(
            p for p in products if "ring" in p.title and not any(i.made_by_adorn for i in p.images)
        )
        seller_photos = [image.remote_id for image in product.images]
        images = _render_for(store, product, template_library)

        first = store.publish_images(product.remote_id, images)
        again = store.publish_images(product.remote_id, images)  # a retry or a double click

        assert not first.failures and len(first.image_ids) == 2
        assert sorted(again.image_ids) == sorted(first.image_ids)
        after = store.get_product(product.remote_id)
        adorn_images = [i for i in after.images if i.made_by_adorn]
        assert len(adorn_images) == 2
        assert [i.remote_id for i in after.images if not i.made_by_adorn] == seller_photos
        assert after.images[0].remote_id == seller_photos[0]  # the seller's photo stays first


def test_a_signed_webhook_reaches_the_app_and_a_forged_one_does_not(
    stores: SandboxStores,
) -> None:
    secret = stores.shopify_state.app.client_secret
    received: list[WebhookEvent] = []
    receiver = Flask("receiver")

    @receiver.post("/webhooks/shopify")
    def webhook() -> tuple[str, int]:
        try:
            received.append(verify_webhook(request.get_data(), request.headers, secret))
        except shopify_auth.AuthError:
            return "bad hmac", 401
        return "", 200

    server = serve_in_thread(receiver)
    try:
        uri = f"{server.base_url}/webhooks/shopify"
        payload = {"id": 1, "title": "Gold ring", "updated_at": "2026-11-27T10:00:00Z"}
        good = deliver_webhook(
            stores.shopify_state, stores.shop_domain, "products/update", payload, uri
        )
        stores.shopify_state.app.client_secret = "not-the-secret"
        try:
            forged = deliver_webhook(
                stores.shopify_state, stores.shop_domain, "products/update", payload, uri
            )
        finally:
            stores.shopify_state.app.client_secret = secret
    finally:
        server.stop()
    assert good.status_code == 200 and forged.status_code == 401
    assert [event.topic for event in received] == ["products/update"]
    assert received[0].shop_domain == stores.shop_domain and received[0].payload == payload


def test_a_product_the_seller_adds_arrives_as_a_signed_products_create_webhook(
    stores: SandboxStores,
) -> None:
    secret = stores.shopify_state.app.client_secret
    received: list[WebhookEvent] = []
    receiver = Flask("receiver")

    @receiver.post("/webhooks/shopify")
    def webhook() -> tuple[str, int]:
        received.append(verify_webhook(request.get_data(), request.headers, secret))
        return "", 200

    server = serve_in_thread(receiver)
    try:
        with requests.Session() as http:
            _, client = install_shopify(stores, http)
            client.execute(
                "webhook_subscription_create",
                {"topic": "PRODUCTS_CREATE", "uri": f"{server.base_url}/webhooks/shopify"},
            )
        product, delivery = seller_creates_product(
            stores.shopify_state, stores.shop_domain, SampleKind.RING, Metal.ROSE_GOLD, photo_px=400
        )
        assert delivery is not None
        delivery.join(timeout=10)
    finally:
        server.stop()
    assert [event.topic for event in received] == ["products/create"]
    assert received[0].payload["admin_graphql_api_id"] == product.id
