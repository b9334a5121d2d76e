"""Publishing adorn's images to a product, and writing listing copy back.

Order matters for the seller: new images are uploaded and attached first, and adorn's earlier
images are deleted only once every new one is READY, so a crash never leaves a product bare.
Each uploaded file name carries a digest of its bytes, so a retry recognises what is already
on the product and never attaches the same image twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from integrations.errors import StoreError, TransientError
from integrations.records import ADORN_ALT_MARKER, ListingCopy, PublishImage, PublishResult
from integrations.shopify.catalog import MEDIA_PER_PRODUCT
from integrations.shopify.graphql_client import AdminClient

UploadMethod = Literal["POST", "PUT"]
_SETTLED = frozenset({"READY", "FAILED"})


def publish_images(
    client: AdminClient,
    http: requests.Session,
    product_id: str,
    images: Sequence[PublishImage],
    upload_method: UploadMethod = "POST",
    poll_interval_s: float = 0.5,
    processing_timeout_s: float = 120.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Attach `images` to the product after its own photos and replace adorn's earlier ones.

    Images already on the product READY (same bytes, same alt text) are kept, not uploaded
    again. Media that ends FAILED is reported in `failures` with Shopify's reason and deleted;
    then adorn's earlier images stay too, since nothing replaced them.
    Raises StoreError when an upload is refused (before anything is attached) and
    TransientError when processing outlasts `processing_timeout_s`.
    """
    current = _product_media(client, product_id)
    adorn_media = [m for m in current if ADORN_ALT_MARKER in (m.get("alt") or "")]
    kept: dict[int, str] = {}
    to_upload: list[tuple[int, PublishImage]] = []
    for index, image in enumerate(images):
        match = next(
            (
                m["id"]
                for m in adorn_media
                if m.get("status") == "READY"
                and m.get("alt") == _marked_alt(image)
                and PurePosixPath(_upload_name(image)).stem in _media_file_name(m)
                and m["id"] not in kept.values()
            ),
            None,
        )
        if match:
            kept[index] = match
        else:
            to_upload.append((index, image))

    new_ids: dict[int, str] = {}
    failures: list[str] = []
    failed_ids: list[str] = []
    if to_upload:
        sources = _stage_and_upload(client, http, [image for _, image in to_upload], upload_method)
        created = _attach(client, product_id, [image for _, image in to_upload], sources)
        settled = _wait_until_settled(
            client, created, poll_interval_s, processing_timeout_s, clock, sleep
        )
        for (index, image), media_id in zip(to_upload, created, strict=True):
            media = settled[media_id]
            if media["status"] == "READY":
                new_ids[index] = media_id
            else:
                failed_ids.append(media_id)
                failures.append(f"{image.filename}: {_failure_reason(media)}")

    final_ids = {**kept, **new_ids}
    removable = list(failed_ids)
    if not failures:
        removable += [m["id"] for m in adorn_media if m["id"] not in final_ids.values()]
    if removable:
        client.execute("file_delete", {"fileIds": removable})
    return PublishResult(
        image_ids=tuple(final_ids[i] for i in sorted(final_ids)),
        removed_ids=tuple(removable),
        failures=tuple(failures),
    )


def remove_images(
    client: AdminClient, product_id: str, media_ids: Sequence[str]
) -> tuple[str, ...]:
    """Delete the product's media with these ids that adorn made (fileDelete); the ids deleted.

    An id that is not adorn's media on this product now (the seller's photo, one deleted
    already) is left alone; a product that is gone has nothing of adorn's left to delete.
    """
    node = client.execute(
        "product", {"id": product_id, "variantsFirst": 1, "mediaFirst": MEDIA_PER_PRODUCT}
    )["product"]
    if node is None:
        return ()
    wanted = set(media_ids)
    removable = [
        media["id"]
        for media in node["media"]["nodes"]
        if media["id"] in wanted and ADORN_ALT_MARKER in (media.get("alt") or "")
    ]
    if removable:
        client.execute("file_delete", {"fileIds": removable})
    return tuple(removable)


def update_copy(client: AdminClient, product_id: str, copy: ListingCopy) -> None:
    """Write title, descriptionHtml and tags where `copy` gives them; nothing else changes."""
    product: dict[str, Any] = {"id": product_id}
    if copy.title is not None:
        product["title"] = copy.title
    if copy.description_html is not None:
        product["descriptionHtml"] = copy.description_html
    if copy.tags is not None:
        product["tags"] = list(copy.tags)
    if len(product) > 1:
        client.execute("product_update", {"product": product})


def _product_media(client: AdminClient, product_id: str) -> list[dict[str, Any]]:
    node = client.execute(
        "product", {"id": product_id, "variantsFirst": 1, "mediaFirst": MEDIA_PER_PRODUCT}
    )["product"]
    if node is None:
        raise StoreError(f"Shopify product {product_id} does not exist")
    media: list[dict[str, Any]] = node["media"]["nodes"]
    return media


def _stage_and_upload(
    client: AdminClient,
    http: requests.Session,
    images: Sequence[PublishImage],
    method: UploadMethod,
) -> list[str]:
    """Upload each image to a staged target; returns their resource URLs, in order."""
    targets = client.execute(
        "staged_uploads_create",
        {
            "input": [
                {
                    "filename": _upload_name(image),
                    "mimeType": image.mime_type,
                    "httpMethod": method,
                    "resource": "IMAGE",
                    "fileSize": str(len(image.data)),
                }
                for image in images
            ]
        },
    )["stagedUploadsCreate"]["stagedTargets"]
    if len(targets) != len(images):
        raise StoreError(f"Shopify gave {len(targets)} upload targets for {len(images)} images")
    for image, target in zip(images, targets, strict=True):
        _upload(http, target, image, method)
    return [target["resourceUrl"] for target in targets]


def _upload(
    http: requests.Session, target: Mapping[str, Any], image: PublishImage, method: UploadMethod
) -> None:
    parameters = {p["name"]: p["value"] for p in target["parameters"]}
    try:
        if method == "POST":
            # The file must come after the policy fields in the form; requests puts it last.
            response = http.post(
                target["url"],
                data=parameters,
                files={"file": (_upload_name(image), image.data, image.mime_type)},
                timeout=60,
            )
        else:
            headers = {"Content-Type": parameters.get("content_type", image.mime_type)}
            if "acl" in parameters:
                headers["x-goog-acl"] = parameters["acl"]
            response = http.put(target["url"], data=image.data, headers=headers, timeout=60)
    except requests.RequestException as error:
        raise TransientError(f"upload of {image.filename} failed: {error}") from error
    if response.status_code >= 500:
        raise TransientError(f"upload of {image.filename} failed: HTTP {response.status_code}")
    if not response.ok:
        raise StoreError(
            f"the upload target refused {image.filename} (HTTP {response.status_code}): "
            f"{response.text[:200]}"
        )


def _attach(
    client: AdminClient,
    product_id: str,
    images: Sequence[PublishImage],
    sources: Sequence[str],
) -> list[str]:
    """productUpdate with the new media; returns the created media ids in input order."""
    payload = client.execute(
        "product_update",
        {
            "product": {"id": product_id},
            "media": [
                {"originalSource": source, "alt": _marked_alt(image), "mediaContentType": "IMAGE"}
                for image, source in zip(images, sources, strict=True)
            ],
            "newMediaCount": len(images),
        },
    )["productUpdate"]
    created = payload["product"]["media"]["nodes"]
    if [m.get("alt") for m in created] != [_marked_alt(image) for image in images]:
        raise StoreError(f"Shopify did not attach the new media to {product_id} as sent")
    return [m["id"] for m in created]


def _wait_until_settled(
    client: AdminClient,
    media_ids: Sequence[str],
    poll_interval_s: float,
    timeout_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> dict[str, dict[str, Any]]:
    deadline = clock() + timeout_s
    while True:
        nodes = client.execute("media_status", {"ids": list(media_ids)})["nodes"]
        media = {node["id"]: node for node in nodes if node}
        missing = set(media_ids) - media.keys()
        if missing:
            raise StoreError(f"new media vanished while processing: {', '.join(sorted(missing))}")
        if all(m["status"] in _SETTLED for m in media.values()):
            return media
        if clock() >= deadline:
            raise TransientError(
                f"Shopify was still processing {len(media_ids)} images after {timeout_s:.0f} s"
            )
        sleep(poll_interval_s)


def _marked_alt(image: PublishImage) -> str:
    if ADORN_ALT_MARKER in image.alt_text:
        return image.alt_text
    return f"{image.alt_text} {ADORN_ALT_MARKER}"


def _upload_name(image: PublishImage) -> str:
    """The file name sent to Shopify: the caller's name plus a digest of the bytes."""
    name = PurePosixPath(image.filename)
    digest = hashlib.sha256(image.data).hexdigest()[:12]
    return f"{name.stem}-{digest}{name.suffix}"


def _media_file_name(media: Mapping[str, Any]) -> str:
    # Shopify may add a suffix to a file name it already holds, so callers match the stem.
    image = media.get("image") or {}
    return PurePosixPath(urlsplit(image.get("url") or "").path).name


def _failure_reason(media: Mapping[str, Any]) -> str:
    errors = media.get("mediaErrors") or []
    return "; ".join(e.get("message") or e.get("code", "") for e in errors) or "processing failed"
