"""Etsy's OAuth 2.0 endpoints: the consent page (auto-approved) and the token endpoint.

Only the authorization code grant with PKCE (S256) exists, as at Etsy; refresh tokens rotate and
a spent one presented again revokes its whole grant.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, request
from werkzeug.wrappers import Response

from integrations.sandbox.etsy.app import sandbox_spec, sandbox_state
from integrations.sandbox.etsy.state import AuthorizationCode, EtsySandboxState, SandboxToken

oauth = Blueprint("etsy_oauth", __name__)

CODE_TTL_S = 300
_VERIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def oauth_error(error: str, description: str) -> Response:
    """An OAuth error answer (RFC 6749 section 5.2)."""
    response = jsonify(error=error, error_description=description)
    response.status_code = 400
    return response


@oauth.get("/oauth/connect")
def connect() -> Response:
    """Check the authorization request and approve it at once for the sandbox's seller."""
    state = sandbox_state()
    args = request.args
    known_scopes = {s for op in sandbox_spec().operations for s in op.scopes}
    scopes = tuple(args.get("scope", "").split())
    problems = []
    if args.get("response_type") != "code":
        problems.append("response_type must be 'code'.")
    if args.get("client_id") != state.app.keystring:
        problems.append("client_id is not a registered app's keystring.")
    if args.get("redirect_uri") not in state.app.redirect_uris:
        problems.append("redirect_uri is not registered for this app.")
    if not scopes or not set(scopes) <= known_scopes:
        problems.append(f"scope must name Etsy scopes: {' '.join(sorted(known_scopes))}.")
    if not args.get("state"):
        problems.append("state is required.")
    if len(args.get("code_challenge", "")) != 43:
        problems.append("code_challenge must be a base64url SHA-256 digest (43 characters).")
    if args.get("code_challenge_method") != "S256":
        problems.append("code_challenge_method must be S256.")
    with state.lock:
        user_id = state.authorizing_user_id or next(iter(state.users), None)
    if user_id is None:
        problems.append("the sandbox has no seller to approve the request.")
    if problems:
        return oauth_error("invalid_request", " ".join(problems))
    assert user_id is not None
    code = secrets.token_urlsafe(32)
    with state.lock:
        state.codes[code] = AuthorizationCode(
            user_id=user_id,
            client_id=args["client_id"],
            redirect_uri=args["redirect_uri"],
            scopes=scopes,
            code_challenge=args["code_challenge"],
            expires_at=time.time() + CODE_TTL_S,
        )
    query = urlencode({"code": code, "state": args["state"]})
    return redirect(f"{args['redirect_uri']}?{query}", code=302)


@oauth.post("/v3/public/oauth/token")
def token() -> Response:
    """The authorization_code and refresh_token grants."""
    state = sandbox_state()
    form = request.form
    if form.get("client_id") != state.app.keystring:
        return oauth_error("invalid_client", "client_id is not a registered app's keystring.")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return _authorization_code_grant(state)
    if grant_type == "refresh_token":
        return _refresh_token_grant(state)
    return oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")


def _authorization_code_grant(state: EtsySandboxState) -> Response:
    form = request.form
    with state.lock:
        code = state.codes.pop(form.get("code", ""), None)  # single use, even when refused
    if code is None or code.expires_at < time.time():
        return oauth_error("invalid_grant", "The code is unknown, used or expired.")
    if form.get("redirect_uri") != code.redirect_uri:
        return oauth_error("invalid_grant", "redirect_uri differs from the authorization request.")
    verifier = form.get("code_verifier", "")
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _VERIFIER_CHARS:
        return oauth_error("invalid_request", "code_verifier must be 43-128 unreserved characters.")
    if _s256(verifier) != code.code_challenge:
        return oauth_error("invalid_grant", "code_verifier does not match the code_challenge.")
    return _token_answer(state, state.issue_tokens(code.user_id, code.scopes, state.new_id()))


def _refresh_token_grant(state: EtsySandboxState) -> Response:
    presented = request.form.get("refresh_token", "")
    with state.lock:
        replayed_grant = state.spent_refresh_tokens.get(presented)
        if replayed_grant is not None:
            state.revoke_grant(replayed_grant)
            return oauth_error("invalid_grant", "The refresh token was already used.")
        old = state.refresh_tokens.pop(presented, None)
        if old is None or old.revoked or old.refresh_expires_at < time.time():
            return oauth_error("invalid_grant", "The refresh token is unknown, revoked or expired.")
        state.spent_refresh_tokens[presented] = old.grant_id
        fresh = state.issue_tokens(old.user_id, old.scopes, old.grant_id)
    return _token_answer(state, fresh)


def _token_answer(state: EtsySandboxState, token: SandboxToken) -> Response:
    return jsonify(
        access_token=token.access_token,
        token_type="Bearer",
        expires_in=state.access_token_ttl_s,
        refresh_token=token.refresh_token,
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
