"""Signing a test client in as a shop, with a CSRF token it can send with its forms."""

from __future__ import annotations

from flask.testing import FlaskClient

CSRF_TOKEN = "test-csrf-token"


def sign_in(client: FlaskClient, shop_id: int) -> None:
    """Put the shop and a known CSRF token in the client's session cookie."""
    with client.session_transaction() as session:
        session["shop_id"] = shop_id
        session["csrf_token"] = CSRF_TOKEN


def form(**fields: object) -> dict[str, object]:
    """Form fields with the session's CSRF token."""
    return {"csrf_token": CSRF_TOKEN, **fields}
