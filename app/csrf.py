"""CSRF protection: a per-session token that every state-changing request must carry.

Forms send it as the `csrf_token` field, scripts as the X-CSRF-Token header. Requests that
authenticate with a session token in the Authorization header (the embedded app) are exempt: a
cross-site page cannot set that header, and those requests do not use the cookie's identity.
Shopify's webhooks are exempt too: they are authenticated by their HMAC.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfProtection:
    """The Flask extension: checks every unsafe request, offers csrf_token() to templates."""

    def __init__(self) -> None:
        self._exempt_blueprints: set[str] = set()

    def init_app(self, app: Flask) -> None:
        """Check tokens before each request and expose csrf_token() to Jinja."""
        app.before_request(self._check)
        app.jinja_env.globals["csrf_token"] = csrf_token

    def exempt(self, blueprint_name: str) -> None:
        """Skip the check for a blueprint that authenticates its requests another way."""
        self._exempt_blueprints.add(blueprint_name)

    def _check(self) -> None:
        if request.method in SAFE_METHODS or request.blueprint in self._exempt_blueprints:
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        expected = session.get(SESSION_KEY)
        received = request.headers.get(HEADER) or request.form.get(FORM_FIELD)
        if not expected or not received or not hmac.compare_digest(expected, received):
            abort(400, description="The form's CSRF token is missing or stale: reload the page.")


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return str(token)


csrf = CsrfProtection()
