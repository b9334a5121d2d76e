"""Staged upload targets (standing in for Google Cloud Storage) and the CDN serving media bytes."""

from __future__ import annotations

import hashlib
import hmac
import mimetypes

from flask import Blueprint, Response, abort, request

from integrations.sandbox.shopify.app import sandbox_state
from integrations.sandbox.shopify.media import find_cdn_media

files = Blueprint("files", __name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # Shopify's product image limit, enforced by the policy


def upload_signature(secret: str, key: str) -> str:
    """The signature a staged target carries for `key`; uploads must present it."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


@files.post("/sandbox/staged/<path:key>")
def post_staged_upload(key: str) -> Response:
    """A POST-policy upload: the target's parameters as form fields, then the file."""
    _require_signed_target(key, request.form.get("x-goog-signature", ""))
    if request.form.get("key") != key:
        return _gcs_error(400, "InvalidArgument", "The key field does not match the upload URL.")
    upload = request.files.get("file")
    if upload is None:
        return _gcs_error(400, "InvalidArgument", "The form has no file field.")
    return _store(key, upload.read())


@files.put("/sandbox/staged/<path:key>")
def put_staged_upload(key: str) -> Response:
    """A signed-URL upload: the file is the request body."""
    _require_signed_target(key, request.args.get("X-Goog-Signature", ""))
    return _store(key, request.get_data())


@files.get("/cdn/<path:path>")
def cdn_file(path: str) -> Response:
    """Bytes of READY media (uploaded or seeded), as Shopify's CDN serves them."""
    state = sandbox_state()
    with state.lock:
        media = find_cdn_media(state, path)
    if media is None:
        abort(404)
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return Response(media.file_bytes, content_type=content_type)


def _require_signed_target(key: str, signature: str) -> None:
    state = sandbox_state()
    with state.lock:
        known = key in state.staged_uploads
    expected = upload_signature(state.app.client_secret, key)
    if not known or not hmac.compare_digest(signature, expected):
        abort(_gcs_error(403, "AccessDenied", "Access denied."))


def _store(key: str, data: bytes) -> Response:
    if len(data) > MAX_UPLOAD_BYTES:
        return _gcs_error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum size.")
    state = sandbox_state()
    with state.lock:
        state.staged_uploads[key] = data
    return Response(status=201 if request.method == "POST" else 200)


def _gcs_error(status: int, code: str, message: str) -> Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body, status=status, content_type="application/xml")
