"""The one protocol both platforms implement, so jobs never ask which platform they talk to."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from integrations.records import ListingCopy, ProductRecord, PublishImage, PublishResult


class StoreClient(Protocol):
    """A connected store: Shopify shop or Etsy shop, authenticated for one seller."""

    def list_products(self, updated_since: datetime | None = None) -> Iterator[ProductRecord]:
        """Every product (or those updated since a time), page by page, within rate limits."""
        ...

    def get_product(self, remote_id: str) -> ProductRecord:
        """One product by its platform id; raises StoreError (not found) if it is gone."""
        ...

    def download_image(self, url: str) -> bytes:
        """A product photo's bytes, only from the platform's image hosts, with a size limit."""
        ...

    def publish_images(self, remote_id: str, images: Sequence[PublishImage]) -> PublishResult:
        """Attach adorn's images after the seller's own, replacing adorn's earlier ones.

        Idempotent: publishing the same images again leaves exactly one copy of each.
        """
        ...

    def update_copy(self, remote_id: str, copy: ListingCopy) -> None:
        """Write listing copy back (description, and title/tags where given)."""
        ...

    def remove_images(self, remote_id: str, image_ids: Sequence[str]) -> tuple[str, ...]:
        """Delete adorn's images with these ids from the product; the ids deleted.

        Only images carrying adorn's marker are touched, never the seller's own photos. An id
        already gone (or a product gone) is skipped, so removing again is harmless.
        """
        ...

    def shop_name(self) -> str:
        """The shop's name as the platform shows it to the seller."""
        ...
