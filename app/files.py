"""Stored files (source photos, renders, QA overlays, templates), each only to the shop owning it.

Files are named by the row that owns them, never by a path from the URL, so a request can only
reach what the shop's own rows point at.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from app.auth import require_shop
from app.web import db, found, settings, shop_id, storage
from models.queries import get_generated_image, list_source_photos, list_templates

blueprint = Blueprint("files", __name__, url_prefix="/files")
blueprint.before_request(require_shop)


@blueprint.get("/products/<int:product_id>/photos/<int:photo_id>")
def source_photo(product_id: int, photo_id: int) -> Response:
    """A product's source photo as adorn downloaded it."""
    with db() as session:
        photos = list_source_photos(session, shop_id(), product_id)
    photo = found(next((p for p in photos if p.id == photo_id), None))
    return _stored(photo.local_path)


@blueprint.get("/images/<int:image_id>/<any(render, overlay):kind>")
def generated(image_id: int, kind: str) -> Response:
    """A variation's render or its QA overlay."""
    with db() as session:
        image = found(get_generated_image(session, shop_id(), image_id))
    return _stored(image.render_path if kind == "render" else image.overlay_path)


@blueprint.get("/templates/<int:template_id>")
def template_photo(template_id: int) -> Response:
    """A model template's photo: the shop's own upload, or one of the library's."""
    with db() as session:
        templates = list_templates(session, shop_id())
    template = found(next((t for t in templates if t.id == template_id), None))
    if template.shop_id is None:
        library = settings().templates_dir
        return _send(library / Path(template.photo_path).name)
    return _stored(template.photo_path)


def _stored(relative: str | None) -> Response:
    if not relative:
        abort(404)
    try:
        path = storage().path(relative)
    except ValueError:
        abort(404)
    return _send(path)


def _send(path: Path) -> Response:
    if not path.is_file():
        abort(404)
    response = send_file(path, max_age=3600)
    response.cache_control.private = True  # one shop's files: no shared cache may keep them
    return response
