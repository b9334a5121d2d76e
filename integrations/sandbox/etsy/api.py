"""The /v3/application/ operations adorn uses, answering as Etsy does.

The gate (gate.py) has already checked the contract, key, budgets and token; handlers check
what needs the data: the shop is the token owner's, the listing is in it, the image decodes.
"""

from __future__ import annotations

import time
from io import BytesIO

from flask import Blueprint, Response, abort, g, jsonify, request
from PIL import Image

from integrations.etsy.listing_text import tag_problems, title_problems
from integrations.sandbox.etsy.app import sandbox_state
from integrations.sandbox.etsy.gate import error
from integrations.sandbox.etsy.payloads import (
    image_json,
    images_json,
    inventory_json,
    listing_json,
    shop_json,
)
from integrations.sandbox.etsy.state import SandboxImage, SandboxListing, SandboxShop

api = Blueprint("etsy_api", __name__, url_prefix="/v3/application")

MAX_ALT_TEXT = 500
UPLOAD_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
UPDATABLE_FIELDS = frozenset({"title", "description", "tags"})
_ASCENDING = frozenset({"asc", "ascending", "up"})


@api.get("/users/me")
def get_me() -> Response:
    state = sandbox_state()
    with state.lock:
        user = state.users[g.user_id]
    return jsonify(user_id=user.user_id, shop_id=user.shop_id)


@api.get("/shops/<int:shop_id>")
def get_shop(shop_id: int) -> Response:
    state = sandbox_state()
    with state.lock:
        shop = state.shops.get(shop_id)
        if shop is None:
            abort(error(404, f"Shop {shop_id} not found."))
        active = sum(
            1 for x in state.listings.values() if x.shop_id == shop_id and x.state == "active"
        )
        return jsonify(shop_json(shop, active))


@api.get("/shops/<int:shop_id>/listings")
def get_listings_by_shop(shop_id: int) -> Response:
    state = sandbox_state()
    _owned_shop(shop_id)
    wanted_state = request.args.get("state", "active")
    limit = int(request.args.get("limit", 25))
    offset = int(request.args.get("offset", 0))
    sort_on = request.args.get("sort_on", "created")
    descending = request.args.get("sort_order", "desc") not in _ASCENDING
    with state.lock:
        matching = [
            x for x in state.listings.values() if x.shop_id == shop_id and x.state == wanted_state
        ]
        matching.sort(key=lambda x: (_sort_value(x, sort_on), x.listing_id), reverse=descending)
        page = [listing_json(request.host_url, x, _includes()) for x in matching[offset:][:limit]]
    return jsonify(count=len(matching), results=page)


@api.get("/listings/<int:listing_id>")
def get_listing(listing_id: int) -> Response:
    state = sandbox_state()
    with state.lock:
        return jsonify(listing_json(request.host_url, _visible_listing(listing_id), _includes()))


@api.get("/listings/<int:listing_id>/inventory")
def get_listing_inventory(listing_id: int) -> Response:
    state = sandbox_state()
    with state.lock:
        listing = _visible_listing(listing_id)
        _owned_shop(listing.shop_id)
        return jsonify(inventory_json(listing))


@api.get("/listings/<int:listing_id>/images")
def get_listing_images(listing_id: int) -> Response:
    state = sandbox_state()
    with state.lock:
        images = images_json(request.host_url, _visible_listing(listing_id))
    return jsonify(count=len(images), results=images)


@api.post("/shops/<int:shop_id>/listings/<int:listing_id>/images")
def upload_listing_image(shop_id: int, listing_id: int) -> tuple[Response, int]:
    state = sandbox_state()
    _owned_shop(shop_id)
    upload = request.files.get("image")
    if upload is None:
        message = "An image file is required (the sandbox does not re-attach listing_image_id)."
        abort(error(400, message))
    data = upload.read()
    decoded = _decode(data)
    if decoded is None:
        abort(error(400, "The uploaded image could not be read as a JPEG, PNG or GIF."))
    width, height, mime_type = decoded
    alt_text = request.form.get("alt_text")
    if alt_text is not None and len(alt_text) > MAX_ALT_TEXT:
        abort(error(400, f"alt_text is longer than {MAX_ALT_TEXT} characters."))
    overwrite = request.form.get("overwrite") == "true"
    with state.lock:
        listing = _shop_listing(shop_id, listing_id)
        rank = int(request.form.get("rank", len(listing.images) + 1))
        replacing = overwrite and rank <= len(listing.images)
        if not replacing and len(listing.images) >= state.image_limit:
            abort(error(400, f"A listing can have at most {state.image_limit} images."))
        now = int(time.time())
        image = SandboxImage(state.new_id(), data, width, height, alt_text, now, mime_type)
        index = min(max(rank, 1), len(listing.images) + 1) - 1
        if replacing:
            listing.images[index] = image
        else:
            listing.images.insert(index, image)
        listing.updated_timestamp = now
        return jsonify(image_json(request.host_url, listing_id, image, index + 1)), 201


@api.delete("/shops/<int:shop_id>/listings/<int:listing_id>/images/<int:listing_image_id>")
def delete_listing_image(shop_id: int, listing_id: int, listing_image_id: int) -> tuple[str, int]:
    state = sandbox_state()
    _owned_shop(shop_id)
    with state.lock:
        listing = _shop_listing(shop_id, listing_id)
        remaining = [x for x in listing.images if x.listing_image_id != listing_image_id]
        if len(remaining) == len(listing.images):
            abort(error(404, f"Image {listing_image_id} is not on listing {listing_id}."))
        listing.images = remaining
        listing.updated_timestamp = int(time.time())
    return "", 204


@api.patch("/shops/<int:shop_id>/listings/<int:listing_id>")
def update_listing(shop_id: int, listing_id: int) -> Response:
    state = sandbox_state()
    _owned_shop(shop_id)
    form = request.form
    unsupported = sorted(set(form) - UPDATABLE_FIELDS)
    if unsupported:
        abort(error(400, f"The sandbox does not emulate updating {', '.join(unsupported)}."))
    tags = [t.strip() for value in form.getlist("tags") for t in value.split(",") if t.strip()]
    problems = title_problems(form["title"]) if "title" in form else []
    problems += tag_problems(tags) if "tags" in form else []
    if problems:
        abort(error(400, " ".join(problems)))
    with state.lock:
        listing = _shop_listing(shop_id, listing_id)
        listing.title = form.get("title", listing.title)
        listing.description = form.get("description", listing.description)
        if "tags" in form:
            listing.tags = tags
        listing.updated_timestamp = int(time.time())
        return jsonify(listing_json(request.host_url, listing, ()))


def _owned_shop(shop_id: int) -> SandboxShop:
    """The shop in the path, which must be the token owner's."""
    state = sandbox_state()
    with state.lock:
        shop = state.shops.get(shop_id)
    if shop is None:
        abort(error(404, f"Shop {shop_id} not found."))
    if shop.user_id != g.user_id:
        abort(error(403, f"The token does not belong to the owner of shop {shop_id}."))
    return shop


def _shop_listing(shop_id: int, listing_id: int) -> SandboxListing:
    listing = sandbox_state().listings.get(listing_id)
    if listing is None or listing.shop_id != shop_id:
        abort(error(404, f"Listing {listing_id} not found in shop {shop_id}."))
    return listing


def _visible_listing(listing_id: int) -> SandboxListing:
    """A listing anyone may see when active; others only its owner (as Etsy's public reads)."""
    listing = sandbox_state().listings.get(listing_id)
    if listing is None or (listing.state != "active" and listing.user_id != g.user_id):
        abort(error(404, f"Listing {listing_id} not found."))
    return listing


def _includes() -> set[str]:
    return {part for value in request.args.getlist("includes") for part in value.split(",")}


def _sort_value(listing: SandboxListing, sort_on: str) -> int:
    if sort_on == "price":
        return listing.price_cents
    if sort_on == "created":
        return listing.created_timestamp
    return listing.updated_timestamp  # updated, and score (which the sandbox has no model of)


def _decode(data: bytes) -> tuple[int, int, str] | None:
    """Width, height and MIME type of an image that fully decodes; None otherwise."""
    try:
        with Image.open(BytesIO(data)) as image:
            image.load()
            mime_type = UPLOAD_FORMATS.get(image.format or "")
            return (image.width, image.height, mime_type) if mime_type else None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
