"""One seller's Etsy shop as a StoreClient: sync, image download, publish and copy write-back.

adorn's images carry ADORN_ALT_MARKER and a key (file stem + content hash) in their alt text, so
a retry finds what it already uploaded and a republish replaces exactly adorn's images. Etsy asks
that generated images never take the seller's first place: they always go after the seller's
own photos, and only adorn's images give way to the listing's image limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import requests

from integrations.errors import StoreError, TransientError
from integrations.etsy.catalog import iter_listings, listing_record
from integrations.etsy.client import MAX_ALT_TEXT, EtsyClient, RequestRefusedError
from integrations.etsy.listing_text import etsy_copy_fields
from integrations.records import (
    ADORN_ALT_MARKER,
    ListingCopy,
    ProductRecord,
    PublishImage,
    PublishResult,
)

DEFAULT_IMAGE_LIMIT = 10
ETSY_IMAGE_HOSTS = ("i.etsystatic.com",)
MAX_IMAGE_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 30.0

ListingImage = Mapping[str, Any]


@dataclass
class _Plan:
    """A publish worked out from the listing's current images."""

    wanted: list[tuple[PublishImage, str]]  # adorn's images within the limit, with their keys
    reusable: set[str]  # keys already on the listing, after the seller's photos
    stale: list[int]  # adorn's other images (earlier renders, duplicates), lowest ranked first
    anchor_id: int  # the seller's last photo: adorn's images go right after it
    notes: tuple[str, ...]


class EtsyStore:
    """A connected Etsy shop; implements integrations.store.StoreClient."""

    def __init__(
        self,
        client: EtsyClient,
        shop_id: int,
        image_limit: int = DEFAULT_IMAGE_LIMIT,
        image_hosts: Sequence[str] = ETSY_IMAGE_HOSTS,
        allow_private_addresses: bool = False,
        max_image_bytes: int = MAX_IMAGE_BYTES,
        http: requests.Session | None = None,
    ) -> None:
        self._client = client
        self._shop_id = shop_id
        self._image_limit = image_limit
        self._image_hosts = frozenset(host.lower() for host in image_hosts)
        self._allow_private = allow_private_addresses
        self._max_image_bytes = max_image_bytes
        self._http = http or requests.Session()

    def list_products(self, updated_since: datetime | None = None) -> Iterator[ProductRecord]:
        """Active and draft listings (those updated since a time), newest first."""
        return iter_listings(self._client, self._shop_id, updated_since)

    def get_product(self, remote_id: str) -> ProductRecord:
        """One listing of this shop with its images and inventory."""
        listing_id = _listing_id(remote_id)
        listing = self._client.get_listing(listing_id, includes=("Images",))
        if listing["shop_id"] != self._shop_id:
            raise StoreError(f"listing {listing_id} is not in Etsy shop {self._shop_id}")
        inventory = self._client.get_listing_inventory(listing_id)
        return listing_record({**listing, "inventory": inventory})

    def download_image(self, url: str) -> bytes:
        """A listing photo's bytes from Etsy's image hosts, at most max_image_bytes."""
        self._check_image_url(url)
        try:
            response = self._http.get(
                url, stream=True, timeout=DOWNLOAD_TIMEOUT_S, allow_redirects=False
            )
        except requests.RequestException as error:
            raise TransientError(f"downloading {url} failed: {error}") from error
        with response:
            if response.status_code >= 500:
                raise TransientError(f"downloading {url}: the host answered {response.status_code}")
            if response.status_code != 200:
                raise StoreError(f"downloading {url}: the host answered {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > self._max_image_bytes:
                raise StoreError(f"{url} is {declared} bytes; the limit is {self._max_image_bytes}")
            data = bytearray()
            for chunk in response.iter_content(chunk_size=65536):
                data += chunk
                if len(data) > self._max_image_bytes:
                    raise StoreError(f"{url} is over the limit of {self._max_image_bytes} bytes")
        return bytes(data)

    def publish_images(self, remote_id: str, images: Sequence[PublishImage]) -> PublishResult:
        """Put adorn's images after the seller's photos, replacing adorn's earlier ones.

        Images already on the listing (same key) are kept, not uploaded again; adorn's other
        images are deleted once the new ones are up (earlier only to make room under the limit).
        """
        listing_id = _listing_id(remote_id)
        current = self._client.get_listing_images(listing_id)
        plan = self._plan(current, images)
        if plan is None:
            return PublishResult(
                (), failures=("the listing has no photo of its own: adorn's images go after one",)
            )
        order = [image["listing_image_id"] for image in current]
        removed: list[int] = []
        failures: list[str] = []
        failed: list[str] = []
        for index, (image, key) in enumerate(plan.wanted):
            if key in plan.reusable:
                continue
            if len(order) >= self._image_limit and plan.stale:
                removed.append(self._delete(listing_id, plan.stale.pop(0)))
                order.remove(removed[-1])
            rank = order.index(plan.anchor_id) + 2 + index
            try:
                uploaded = self._client.upload_listing_image(
                    self._shop_id,
                    listing_id,
                    image.data,
                    image.filename,
                    rank=rank,
                    alt_text=_alt_text(image.alt_text, key),
                    mime_type=image.mime_type,
                )
            except RequestRefusedError as error:
                failures.append(f"{image.filename}: {error}")
                failed.append(key)
                continue
            order.insert(min(rank, len(order) + 1) - 1, uploaded["listing_image_id"])
        keys = [key for _, key in plan.wanted]
        removed += self._remove_all_but(listing_id, keys, failed)
        final = self._client.get_listing_images(listing_id)
        ids_by_key = {_adorn_key(image): str(image["listing_image_id"]) for image in final}
        return PublishResult(
            image_ids=tuple(ids_by_key[key] for key in keys if key in ids_by_key),
            removed_ids=tuple(str(image_id) for image_id in removed),
            failures=tuple(failures),
            notes=plan.notes,
        )

    def update_copy(self, remote_id: str, copy: ListingCopy) -> None:
        """Write title, tags and description (as plain text) after checking Etsy's limits."""
        fields = etsy_copy_fields(copy)
        if fields:
            self._client.update_listing(self._shop_id, _listing_id(remote_id), fields)

    def remove_images(self, remote_id: str, image_ids: Sequence[str]) -> tuple[str, ...]:
        """Delete adorn's images with these listing_image_ids from the listing; the ids deleted."""
        listing_id = _listing_id(remote_id)
        wanted = set(image_ids)
        removed = [
            self._delete(listing_id, image["listing_image_id"])
            for image in self._client.get_listing_images(listing_id)
            if str(image["listing_image_id"]) in wanted and _adorn_key(image) is not None
        ]
        return tuple(str(image_id) for image_id in removed)

    def shop_name(self) -> str:
        """The shop's name on Etsy (getShop)."""
        return str(self._client.get_shop(self._shop_id)["shop_name"])

    def _plan(
        self, current: Sequence[ListingImage], images: Sequence[PublishImage]
    ) -> _Plan | None:
        """What a publish keeps, uploads and removes; None when the seller has no photo."""
        seller = [image for image in current if _adorn_key(image) is None]
        if not seller:
            return None
        room = max(self._image_limit - len(seller), 0)
        notes: tuple[str, ...] = ()
        if len(images) > room:
            notes = (
                f"{len(images) - room} of adorn's {len(images)} images left out: the listing "
                f"holds {self._image_limit} images and {len(seller)} are the seller's.",
            )
        wanted = [(image, _image_key(image)) for image in images[:room]]
        anchor = current.index(seller[-1])
        # Only an image already after the seller's photos is in its place to be kept.
        placed = {_adorn_key(image) for image in current[anchor + 1 :]}
        reusable = {key for _, key in wanted if key in placed}
        kept_once: set[str] = set()
        stale = []
        for position, image in enumerate(current):
            key = _adorn_key(image)
            if key is None:
                continue
            if position > anchor and key in reusable and key not in kept_once:
                kept_once.add(key)
            else:
                stale.append(image["listing_image_id"])
        stale.reverse()  # lowest ranked first in line to make room
        return _Plan(wanted, reusable, stale, seller[-1]["listing_image_id"], notes)

    def _remove_all_but(self, listing_id: int, keys: list[str], failed: list[str]) -> list[int]:
        """Delete adorn's images but the first of each wanted key (stale or duplicate ones).

        Where a new image was refused, the earlier version of that slot (same file stem) stays.
        """
        wanted = set(keys) - set(failed)
        fallback = {_stem(key) for key in failed}
        kept: set[str] = set()
        removed = []
        for image in self._client.get_listing_images(listing_id):
            key = _adorn_key(image)
            if key is None:
                continue
            slot = key if key in wanted else _stem(key)
            if (key in wanted or slot in fallback) and slot not in kept:
                kept.add(slot)
            else:
                removed.append(self._delete(listing_id, image["listing_image_id"]))
        return removed

    def _delete(self, listing_id: int, image_id: int) -> int:
        try:
            self._client.delete_listing_image(self._shop_id, listing_id, image_id)
        except RequestRefusedError as error:
            if error.status != 404:  # already gone: what a retry after a lost answer sees
                raise
        return image_id

    def _check_image_url(self, url: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self._image_hosts:
            raise StoreError(f"refusing to download {url}: {host!r} is not an Etsy image host")
        if self._allow_private:
            return  # the sandbox: plain HTTP on loopback
        if parts.scheme != "https":
            raise StoreError(f"refusing to download {url}: only https is allowed")
        try:
            addresses = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as error:
            raise TransientError(f"cannot resolve {host}: {error}") from error
        for address in addresses:
            ip = ipaddress.ip_address(address[4][0])
            if not ip.is_global:
                raise StoreError(f"refusing to download {url}: {host} resolves to {ip}")


def _listing_id(remote_id: str) -> int:
    if not remote_id.isdigit():
        raise StoreError(f"{remote_id!r} is not an Etsy listing id")
    return int(remote_id)


def _image_key(image: PublishImage) -> str:
    """Stable per file name and content: a retry matches, a new render of the same slot does not."""
    stem = re.sub(r"\s+", "-", PurePosixPath(image.filename).stem)
    return f"{stem}.{hashlib.sha256(image.data).hexdigest()[:12]}"


def _stem(key: str) -> str:
    return key.rsplit(".", 1)[0]


def _alt_text(alt: str, key: str) -> str:
    suffix = f" {ADORN_ALT_MARKER} {key}"
    text = " ".join(alt.replace(ADORN_ALT_MARKER, " ").split())
    return text[: MAX_ALT_TEXT - len(suffix)] + suffix


def _adorn_key(image: ListingImage) -> str | None:
    """The key adorn wrote into an image's alt text; None for the seller's own photos."""
    alt = image.get("alt_text") or ""
    if ADORN_ALT_MARKER not in alt:
        return None
    return alt.rsplit(ADORN_ALT_MARKER, 1)[1].strip()
