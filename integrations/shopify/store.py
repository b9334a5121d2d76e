"""ShopifyStore: the StoreClient protocol for one Shopify shop."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import requests

from integrations.errors import StoreError, TransientError
from integrations.records import ListingCopy, ProductRecord, PublishImage, PublishResult
from integrations.shopify import catalog, publish
from integrations.shopify.graphql_client import AdminClient

SHOPIFY_IMAGE_HOSTS: tuple[str, ...] = ("cdn.shopify.com",)
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # Shopify's own limit for product images


class ShopifyStore:
    """A connected Shopify shop, read and written through the Admin GraphQL API."""

    def __init__(
        self,
        client: AdminClient,
        http: requests.Session,
        image_hosts: Sequence[str] = SHOPIFY_IMAGE_HOSTS,
        allow_private_addresses: bool = False,
        max_image_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        """`allow_private_addresses` is for the loopback sandbox only (it also allows http)."""
        self._client = client
        self._http = http
        self._image_hosts = frozenset(host.lower() for host in image_hosts)
        self._allow_private = allow_private_addresses
        self._max_image_bytes = max_image_bytes

    def list_products(self, updated_since: datetime | None = None) -> Iterator[ProductRecord]:
        """Every product (or those updated since a time), page by page, within rate limits."""
        return catalog.iter_products(self._client, updated_since)

    def get_product(self, remote_id: str) -> ProductRecord:
        """One product by gid; StoreError when it is gone."""
        return catalog.fetch_product(self._client, remote_id)

    def download_image(self, url: str) -> bytes:
        """A product photo's bytes from an allowed image host, within the size limit."""
        self._check_image_url(url)
        try:
            with self._http.get(url, stream=True, timeout=30, allow_redirects=False) as response:
                if response.status_code != 200:
                    raise StoreError(f"image download answered HTTP {response.status_code}: {url}")
                content_type = response.headers.get("Content-Type", "")
                if not content_type.startswith("image/"):
                    raise StoreError(f"not an image ({content_type or 'no content type'}): {url}")
                if int(response.headers.get("Content-Length") or 0) > self._max_image_bytes:
                    raise StoreError(f"image larger than {self._max_image_bytes} bytes: {url}")
                data = bytearray()
                for chunk in response.iter_content(chunk_size=65536):
                    data += chunk
                    if len(data) > self._max_image_bytes:
                        raise StoreError(f"image larger than {self._max_image_bytes} bytes: {url}")
        except requests.RequestException as error:
            raise TransientError(f"image download failed: {error}") from error
        return bytes(data)

    def publish_images(self, remote_id: str, images: Sequence[PublishImage]) -> PublishResult:
        """Attach adorn's images after the seller's own, replacing adorn's earlier ones."""
        return publish.publish_images(self._client, self._http, remote_id, images)

    def update_copy(self, remote_id: str, copy: ListingCopy) -> None:
        """Write the description, and title/tags where given."""
        publish.update_copy(self._client, remote_id, copy)

    def remove_images(self, remote_id: str, image_ids: Sequence[str]) -> tuple[str, ...]:
        """Delete adorn's media with these ids from the product; the ids deleted."""
        return publish.remove_images(self._client, remote_id, image_ids)

    def shop_name(self) -> str:
        """The shop's name (the Shop query), as the seller sees it in the admin."""
        return str(self._client.execute("shop", {})["shop"]["name"])

    def _check_image_url(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.hostname or "").lower() not in self._image_hosts:
            raise StoreError(f"refusing to download from {parts.hostname}: not an image host")
        schemes = {"https", "http"} if self._allow_private else {"https"}
        if parts.scheme not in schemes or not parts.hostname:
            raise StoreError(f"refusing to download from {url!r}: not an https URL")
        if self._allow_private:
            return
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, None)}
        except OSError as error:
            raise TransientError(f"cannot resolve {parts.hostname}: {error}") from error
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global:
                raise StoreError(f"refusing to download from {parts.hostname}: private address")
