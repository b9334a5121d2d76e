"""Reading the catalog: products page by page, mapped to platform-neutral records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.errors import StoreError
from integrations.records import (
    ADORN_ALT_MARKER,
    ImageRecord,
    Platform,
    ProductRecord,
    VariantRecord,
)
from integrations.shopify.graphql_client import AdminClient

# A page of 10 products with 25 variants and 15 media each costs about 900 points, under the
# 1000-point single-query limit; jewelry rarely has more variants or photos than that.
PAGE_SIZE = 10
VARIANTS_PER_PRODUCT = 25
MEDIA_PER_PRODUCT = 15


def product_record(node: Mapping[str, Any]) -> ProductRecord:
    """Map a product as selected by products_page.graphql and product.graphql to a record."""
    images = [
        ImageRecord(
            remote_id=media["id"],
            url=media["image"]["url"],
            width=media["image"].get("width"),
            height=media["image"].get("height"),
            alt=media.get("alt") or media["image"].get("altText"),
            position=position,
            made_by_adorn=ADORN_ALT_MARKER in (media.get("alt") or ""),
        )
        for position, media in enumerate(node["media"]["nodes"])
        # Media still processing (or failed) has no image yet.
        if media.get("mediaContentType") == "IMAGE" and media.get("image")
    ]
    return ProductRecord(
        platform=Platform.SHOPIFY,
        remote_id=node["id"],
        title=node["title"],
        handle=node.get("handle"),
        product_type=node.get("productType") or None,
        tags=tuple(node.get("tags") or ()),
        description_html=node.get("descriptionHtml") or "",
        options={
            option["name"]: tuple(value["name"] for value in option["optionValues"])
            for option in node.get("options") or ()
        },
        variants=tuple(
            VariantRecord(
                remote_id=variant["id"],
                sku=variant.get("sku") or None,
                options={o["name"]: o["value"] for o in variant.get("selectedOptions") or ()},
            )
            for variant in node["variants"]["nodes"]
        ),
        images=tuple(images),
        updated_at=datetime.fromisoformat(node["updatedAt"]),
    )


def iter_products(
    client: AdminClient, updated_since: datetime | None = None, page_size: int = PAGE_SIZE
) -> Iterator[ProductRecord]:
    """Every product of the shop (or those updated after `updated_since`), following cursors."""
    variables: dict[str, Any] = {
        "first": page_size,
        "variantsFirst": VARIANTS_PER_PRODUCT,
        "mediaFirst": MEDIA_PER_PRODUCT,
    }
    if updated_since is not None:
        variables["query"] = f"updated_at:>'{_search_time(updated_since)}'"
    after: str | None = None
    while True:
        page = client.execute("products_page", {**variables, "after": after})["products"]
        for node in page["nodes"]:
            yield product_record(node)
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def fetch_product(client: AdminClient, product_id: str) -> ProductRecord:
    """One product by gid; StoreError when the shop has no such product."""
    node = client.execute(
        "product",
        {"id": product_id, "variantsFirst": VARIANTS_PER_PRODUCT, "mediaFirst": MEDIA_PER_PRODUCT},
    )["product"]
    if node is None:
        raise StoreError(f"Shopify product {product_id} does not exist")
    return product_record(node)


def _search_time(moment: datetime) -> str:
    # Whole seconds, rounded down: a product updated within that second is fetched again
    # rather than missed.
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
