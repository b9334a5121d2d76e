"""Product media in the sandbox: created from staged uploads, processed, served by the CDN.

Like Shopify, new media is UPLOADED, then PROCESSING, and becomes READY (or FAILED when the
file is not a decodable image) after `state.media_processing_s`. Status is advanced lazily,
whenever media is read.
"""

from __future__ import annotations

import io
import time
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from PIL import Image

from integrations.sandbox.shopify.state import SandboxMedia, SandboxShop, ShopifySandboxState

STAGED_PREFIX = "/sandbox/staged/"
CDN_PREFIX = "/cdn/"

# Shopify's wording for media that could not be fetched or decoded.
DOWNLOAD_FAILURE = "Media failed to download: nothing was uploaded to the staged target."
PROCESSING_FAILURE = "Image could not be processed because the file is corrupt or not an image."


def media_from_upload(
    state: ShopifySandboxState, shop: SandboxShop, original_source: str, alt: str | None
) -> SandboxMedia:
    """New media for a CreateMediaInput whose originalSource is a staged upload's resourceUrl."""
    path = urlsplit(original_source).path
    key = path.removeprefix(STAGED_PREFIX) if path.startswith(STAGED_PREFIX) else None
    data = state.staged_uploads.get(key) if key else None
    number = state.new_id()
    file_name = PurePosixPath(path).name or f"upload-{number}"
    return SandboxMedia(
        id=f"gid://shopify/MediaImage/{number}",
        url=f"{CDN_PREFIX}{shop.domain}/files/{number}/{file_name}",
        alt=alt,
        status="UPLOADED",
        ready_at=time.monotonic() + state.media_processing_s,
        file_bytes=data or b"",
    )


def settle(media: SandboxMedia, now: float) -> None:
    """Advance `media` to the status it has by `now`."""
    if media.status in ("READY", "FAILED"):
        return
    if now < media.ready_at:
        media.status = "PROCESSING"
        return
    if not media.file_bytes:
        media.status, media.error = "FAILED", DOWNLOAD_FAILURE
        return
    try:
        with Image.open(io.BytesIO(media.file_bytes)) as image:
            image.load()
            media.width, media.height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        media.status, media.error = "FAILED", PROCESSING_FAILURE
        return
    media.status = "READY"


def error_code(media: SandboxMedia) -> str:
    """The MediaErrorCode of FAILED media."""
    return "IMAGE_DOWNLOAD_FAILURE" if not media.file_bytes else "IMAGE_PROCESSING_FAILURE"


def find_cdn_media(state: ShopifySandboxState, cdn_path: str) -> SandboxMedia | None:
    """The READY media served at /cdn/<cdn_path>, in the shop named by its first segment."""
    shop = state.shops.get(cdn_path.split("/", 1)[0])
    if shop is None:
        return None
    url = f"{CDN_PREFIX}{cdn_path}"
    now = time.monotonic()
    for product in shop.products.values():
        for media in product.media:
            if media.url == url:
                settle(media, now)
                return media if media.status == "READY" else None
    return None
