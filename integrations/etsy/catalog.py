"""Etsy listings as platform-neutral product records, and the listing sync by polling.

Etsy sends no webhooks for listings, so changes are found by reading getListingsByShop sorted by
updated_timestamp, newest first, and stopping at the first listing older than the last poll.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from integrations.etsy.client import EtsyClient
from integrations.records import (
    ADORN_ALT_MARKER,
    ImageRecord,
    Platform,
    ProductRecord,
    VariantRecord,
)

SYNC_STATES = ("active", "draft")
PAGE_SIZE = 100  # the most getListingsByShop returns per page


def listing_record(listing: Mapping[str, Any]) -> ProductRecord:
    """Map a ShopListing with its Images and Inventory associations to a ProductRecord."""
    products = [
        p for p in (listing.get("inventory") or {}).get("products", ()) if not p.get("is_deleted")
    ]
    options: dict[str, list[str]] = {}
    variants = []
    for product in products:
        chosen = {}
        for value in product.get("property_values", ()):
            name = _text(value.get("property_name") or f"property {value['property_id']}")
            text = ", ".join(_text(v) for v in value.get("values", ()))
            chosen[name] = text
            known = options.setdefault(name, [])
            if text not in known:
                known.append(text)
        variants.append(
            VariantRecord(str(product["product_id"]), product.get("sku") or None, chosen)
        )
    images = sorted(listing.get("images") or (), key=lambda image: image["rank"])
    return ProductRecord(
        platform=Platform.ETSY,
        remote_id=str(listing["listing_id"]),
        title=_text(listing["title"]),
        handle=None,
        product_type=None,
        tags=tuple(_text(tag) for tag in listing.get("tags", ())),
        description_html=description_html(_text(listing.get("description") or "")),
        options={name: tuple(values) for name, values in options.items()},
        variants=tuple(variants),
        images=tuple(_image_record(image, position) for position, image in enumerate(images)),
        updated_at=datetime.fromtimestamp(listing["updated_timestamp"], UTC),
        status=listing["state"],
    )


def description_html(text: str) -> str:
    """Etsy's plain-text description as HTML: a <p> per paragraph, <br> for single line breaks."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def iter_listings(
    client: EtsyClient,
    shop_id: int,
    updated_since: datetime | None = None,
    states: Sequence[str] = SYNC_STATES,
    page_size: int = PAGE_SIZE,
) -> Iterator[ProductRecord]:
    """Every listing in `states`, or those updated at or after `updated_since`, newest first.

    Paging by offset while sellers edit can shift a listing across a page boundary: one seen
    twice is yielded once, and one that moved up was updated, so the next poll finds it.
    """
    seen: set[str] = set()
    for state in states:
        for listing in _newest_first(client, shop_id, state, page_size):
            record = listing_record(listing)
            if updated_since is not None and record.updated_at < updated_since:
                break
            if record.remote_id not in seen:
                seen.add(record.remote_id)
                yield record


def _newest_first(
    client: EtsyClient, shop_id: int, state: str, page_size: int
) -> Iterator[Mapping[str, Any]]:
    """Listings in one state by updated_timestamp, descending; a page is read only when reached."""
    offset = 0
    while True:
        page = client.get_listings_by_shop(
            shop_id, state=state, limit=page_size, offset=offset, sort_on="updated"
        )
        results = page["results"]
        yield from results
        offset += len(results)
        if not results or offset >= page["count"]:
            return


def _image_record(image: Mapping[str, Any], position: int) -> ImageRecord:
    alt = image.get("alt_text") or None
    return ImageRecord(
        remote_id=str(image["listing_image_id"]),
        url=image["url_fullxfull"],
        width=image.get("full_width"),
        height=image.get("full_height"),
        alt=alt,
        position=position,
        made_by_adorn=alt is not None and ADORN_ALT_MARKER in alt,
    )


def _text(value: str) -> str:
    # Etsy returns text fields HTML-escaped (&#39;, &quot;, &amp;).
    return html.unescape(value)
