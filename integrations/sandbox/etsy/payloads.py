"""The sandbox's records in Etsy's JSON shapes (ShopListing, ListingImage, ListingInventory, Shop)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from integrations.sandbox.etsy.state import (
    SandboxImage,
    SandboxListing,
    SandboxProduct,
    SandboxShop,
)

Json = dict[str, Any]
PRICE_DIVISOR = 100


def image_url(host_url: str, listing_id: int, image: SandboxImage) -> str:
    """Where the sandbox's CDN serves an image; `host_url` is the sandbox's own, with a slash."""
    return f"{host_url}cdn/il/{listing_id}/{image.listing_image_id}/il_fullxfull.jpg"


def image_json(host_url: str, listing_id: int, image: SandboxImage, rank: int) -> Json:
    url = image_url(host_url, listing_id, image)
    return {
        "listing_id": listing_id,
        "listing_image_id": image.listing_image_id,
        "hex_code": None,
        "red": None,
        "green": None,
        "blue": None,
        "hue": None,
        "saturation": None,
        "brightness": None,
        "is_black_and_white": None,
        "creation_tsz": image.created_timestamp,
        "created_timestamp": image.created_timestamp,
        "rank": rank,
        "url_75x75": url,
        "url_170x135": url,
        "url_570xN": url,
        "url_fullxfull": url,
        "full_height": image.height,
        "full_width": image.width,
        "alt_text": image.alt_text,
    }


def images_json(host_url: str, listing: SandboxListing) -> list[Json]:
    return [
        image_json(host_url, listing.listing_id, image, rank)
        for rank, image in enumerate(listing.images, start=1)
    ]


def inventory_json(listing: SandboxListing) -> Json:
    return {
        "products": [_product_json(product) for product in listing.products],
        "price_on_property": [],
        "quantity_on_property": [],
        "sku_on_property": [],
        "readiness_state_on_property": [],
    }


def listing_json(host_url: str, listing: SandboxListing, includes: Collection[str]) -> Json:
    body: Json = {
        "listing_id": listing.listing_id,
        "user_id": listing.user_id,
        "shop_id": listing.shop_id,
        "title": listing.title,
        "description": listing.description,
        "state": listing.state,
        "creation_timestamp": listing.created_timestamp,
        "created_timestamp": listing.created_timestamp,
        "ending_timestamp": listing.created_timestamp + 120 * 86_400,
        "original_creation_timestamp": listing.created_timestamp,
        "last_modified_timestamp": listing.updated_timestamp,
        "updated_timestamp": listing.updated_timestamp,
        "state_timestamp": listing.updated_timestamp,
        "quantity": sum(product.quantity for product in listing.products),
        "url": f"https://www.etsy.com/listing/{listing.listing_id}",
        "tags": list(listing.tags),
        "materials": list(listing.materials),
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "has_variations": len(listing.products) > 1,
        "listing_type": "physical",
        "price": _money(listing.price_cents),
        "skus": [product.sku for product in listing.products],
    }
    if "Images" in includes:
        body["images"] = images_json(host_url, listing)
    if "Inventory" in includes:
        body["inventory"] = inventory_json(listing)
    return body


def shop_json(shop: SandboxShop, active_count: int) -> Json:
    return {
        "shop_id": shop.shop_id,
        "user_id": shop.user_id,
        "shop_name": shop.shop_name,
        "title": shop.title,
        "currency_code": shop.currency_code,
        "created_timestamp": shop.created_timestamp,
        "create_date": shop.created_timestamp,
        "listing_active_count": active_count,
        "url": f"https://www.etsy.com/shop/{shop.shop_name}",
    }


def _product_json(product: SandboxProduct) -> Json:
    return {
        "product_id": product.product_id,
        "sku": product.sku,
        "is_deleted": False,
        "offerings": [
            {
                "offering_id": product.product_id,
                "quantity": product.quantity,
                "is_enabled": True,
                "is_deleted": False,
                "price": _money(product.price_cents),
            }
        ],
        "property_values": [
            {
                "property_id": 513 + index,  # Etsy's custom variation properties are 513 and 514
                "property_name": name,
                "scale_id": None,
                "scale_name": None,
                "value_ids": [],
                "values": [value],
            }
            for index, (name, value) in enumerate(product.properties.items())
        ],
    }


def _money(cents: int) -> Json:
    return {"amount": cents, "divisor": PRICE_DIVISOR, "currency_code": "USD"}
