"""Undo and the shop's name through the StoreClient protocol, on both sandbox stores over real HTTP:
remove_images deletes exactly adorn's images it is given (never the seller's, never twice), and
the requests it makes match the platforms' published contracts."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from graphql import GraphQLSchema
from PIL import Image

from integrations.contracts.etsy_openapi import EtsySpec, check_request
from integrations.contracts.shopify_schema import validate_variables
from integrations.records import ADORN_ALT_MARKER, PublishImage
from integrations.sandbox.stores import SandboxStores
from integrations.shopify.documents import load_document
from integrations.store import StoreClient
from tests.integrations.conftest import running_sandboxes
from tests.integrations.test_store_flows import connect_etsy, install_shopify


@pytest.fixture(scope="module")
def stores() -> Iterator[SandboxStores]:
    yield from running_sandboxes(products=2, photo_px=600)


def _jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 2000), (shade, 120, 90)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@pytest.mark.parametrize("platform", ["shopify", "etsy"])
def test_remove_images_deletes_only_adorns_given_images_and_can_run_again(
    platform: str, stores: SandboxStores
) -> None:
    with requests.Session() as http:
        store: StoreClient = (
            install_shopify(stores, http)[0]
            if platform == "shopify"
            else connect_etsy(stores, http)
        )
        expected_name = (
            stores.shopify_state.shops[stores.shop_domain].name
            if platform == "shopify"
            else stores.etsy_shop.shop_name
        )
        assert store.shop_name() == expected_name

        product = next(iter(store.list_products()))
        seller = [i.remote_id for i in product.images if not i.made_by_adorn]
        images = [
            PublishImage(_jpeg(shade), f"adorn-{n}.jpg", f"On a model {n} {ADORN_ALT_MARKER}")
            for n, shade in enumerate((60, 180))
        ]
        published = store.publish_images(product.remote_id, images)
        assert len(published.image_ids) == 2 and not published.failures
        kept, removed = published.image_ids

        # A seller's photo id among those asked for is never deleted; an unknown id is skipped.
        asked = [removed, seller[0], "999999999" if platform == "etsy" else "gid://shopify/x/1"]
        assert store.remove_images(product.remote_id, asked) == (removed,)
        assert store.remove_images(product.remote_id, asked) == ()  # already gone: nothing

        after = store.get_product(product.remote_id)
        assert [i.remote_id for i in after.images if not i.made_by_adorn] == seller
        assert [i.remote_id for i in after.images if i.made_by_adorn] == [kept]


def test_the_unpublish_requests_match_the_platform_contracts(
    shopify_schema: GraphQLSchema, etsy_spec: EtsySpec
) -> None:
    variables = {"fileIds": ["gid://shopify/MediaImage/1"]}
    assert validate_variables(shopify_schema, load_document("file_delete"), variables) == []
    product = {"id": "gid://shopify/Product/1", "variantsFirst": 1, "mediaFirst": 50}
    assert validate_variables(shopify_schema, load_document("product"), product) == []
    assert validate_variables(shopify_schema, load_document("shop"), {}) == []

    auth = {"x-api-key": "keystring:secret", "Authorization": "Bearer 42.token"}
    delete = "/v3/application/shops/42/listings/1001/images/77"
    assert check_request(etsy_spec, "DELETE", delete, {}, auth, None, None) == []
    shop = "/v3/application/shops/42"
    assert check_request(etsy_spec, "GET", shop, {}, auth, None, None) == []
