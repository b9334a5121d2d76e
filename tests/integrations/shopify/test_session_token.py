"""The App Bridge session token: what the sandbox hands out is accepted, everything else is not."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.errors import AuthError
from integrations.sandbox.shopify.oauth import make_session_token
from integrations.sandbox.shopify.state import SandboxApp, ShopifySandboxState
from integrations.shopify.session_token import decode_session_token


def claims_for(sandbox_app: SandboxApp, shop: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": sandbox_app.client_id,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "7d3c",
        "sid": "c0ffee",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def decode(sandbox_app: SandboxApp, token: str, now: float | None = None) -> object:
    return decode_session_token(token, sandbox_app.client_id, sandbox_app.client_secret, now=now)


def test_the_sandboxs_session_token_is_accepted(
    sandbox_app: SandboxApp, shop: str, shopify_state: ShopifySandboxState
) -> None:
    token = make_session_token(shopify_state, shop, user_id="77")

    session = decode_session_token(token, sandbox_app.client_id, sandbox_app.client_secret)

    assert (session.shop, session.user_id) == (shop, "77")
    assert session.session_id
    assert session.expires_at == pytest.approx(time.time() + 60, abs=2)


def test_an_expired_session_token_is_refused(
    sandbox_app: SandboxApp, shop: str, shopify_state: ShopifySandboxState
) -> None:
    issued = time.time()
    token = make_session_token(shopify_state, shop, now=issued)

    assert (
        decode_session_token(
            token, sandbox_app.client_id, sandbox_app.client_secret, now=issued + 64
        ).shop
        == shop
    )  # within the 5 s leeway
    with pytest.raises(AuthError, match="expired"):
        decode(sandbox_app, token, now=issued + 66)


def test_a_session_token_not_yet_valid_is_refused(
    sandbox_app: SandboxApp, shop: str, shopify_state: ShopifySandboxState
) -> None:
    token = make_session_token(shopify_state, shop, now=time.time() + 30)
    with pytest.raises(AuthError, match="not valid yet"):
        decode(sandbox_app, token)


def test_a_session_token_for_another_app_is_refused(sandbox_app: SandboxApp, shop: str) -> None:
    token = jwt.encode(
        claims_for(sandbox_app, shop, aud="another-app"), sandbox_app.client_secret, "HS256"
    )
    with pytest.raises(AuthError, match="another app"):
        decode(sandbox_app, token)


def test_a_session_token_signed_with_another_secret_is_refused(
    sandbox_app: SandboxApp, shop: str
) -> None:
    token = jwt.encode(claims_for(sandbox_app, shop), "shpss_" + "0" * 32, "HS256")
    with pytest.raises(AuthError, match="signature"):
        decode(sandbox_app, token)


def test_an_unsigned_session_token_is_refused(sandbox_app: SandboxApp, shop: str) -> None:
    def segment(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims_for(sandbox_app, shop))}."
    with pytest.raises(AuthError, match="only HS256"):
        decode(sandbox_app, unsigned)


def test_an_rs256_session_token_is_refused(sandbox_app: SandboxApp, shop: str) -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims_for(sandbox_app, shop), private_key, "RS256")
    with pytest.raises(AuthError, match="only HS256"):
        decode(sandbox_app, token)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"dest": "https://evil.com"}, "is not https://<shop>.myshopify.com"),
        ({"dest": "https://a.myshopify.com.evil.com"}, "is not https://<shop>.myshopify.com"),
        ({"dest": "http://gold-and-gale.myshopify.com"}, "is not https://<shop>.myshopify.com"),
        ({"iss": "https://silver-lining.myshopify.com/admin"}, "does not match dest"),
        ({"sid": None}, "lacks the 'sid' claim"),
        ({"exp": None}, "lacks the 'exp' claim"),
        ({"exp": "soon"}, "not a number"),
    ],
)
def test_a_session_token_with_bad_claims_is_refused(
    sandbox_app: SandboxApp, shop: str, overrides: dict[str, Any], reason: str
) -> None:
    token = jwt.encode(claims_for(sandbox_app, shop, **overrides), sandbox_app.client_secret)
    with pytest.raises(AuthError, match=reason):
        decode(sandbox_app, token)


def test_garbage_is_not_a_session_token(sandbox_app: SandboxApp) -> None:
    with pytest.raises(AuthError, match="not a JWT"):
        decode(sandbox_app, "not-a-token")
