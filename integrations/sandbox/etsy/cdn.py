"""The sandbox's stand-in for i.etsystatic.com: listing image bytes by listing and image id."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from integrations.sandbox.etsy.app import sandbox_state

cdn = Blueprint("etsy_cdn", __name__)


@cdn.get("/cdn/il/<int:listing_id>/<int:listing_image_id>/<name>")
def image_bytes(listing_id: int, listing_image_id: int, name: str) -> Response:
    state = sandbox_state()
    with state.lock:
        listing = state.listings.get(listing_id)
        images = listing.images if listing is not None else []
        image = next((x for x in images if x.listing_image_id == listing_image_id), None)
    if image is None:
        abort(404)
    return Response(image.data, mimetype=image.mime_type)
