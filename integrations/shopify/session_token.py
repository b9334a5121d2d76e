"""The App Bridge session token an embedded request carries: a one-minute HS256 JWT from Shopify.

ShopifyAPI's shopify.session_token does the same checks but fixes the clock (no `now`) and a
10 s leeway, and reports PyJWT's own wording; here each refusal is one sentence for the log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from integrations.errors import AuthError
from integrations.shopify.auth import shop_domain_is_valid

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("iss", "dest", "aud", "sub", "exp", "nbf", "sid")
DEFAULT_LEEWAY_S = 5.0


@dataclass(frozen=True)
class SessionToken:
    """Who sent an embedded request: the shop, the staff member (sub) and the admin session."""

    shop: str
    user_id: str
    session_id: str
    expires_at: float  # epoch seconds


def decode_session_token(
    token: str,
    client_id: str,
    client_secret: str,
    now: float | None = None,
    leeway_s: float = DEFAULT_LEEWAY_S,
) -> SessionToken:
    """Verify a session token signed with the app's secret and return whom it speaks for.

    Only HS256 is accepted; the audience must be this app; exp and nbf are checked against `now`
    (epoch seconds) with `leeway_s` of clock skew; iss must be https://<shop>/admin and dest
    https://<shop> for the same myshopify.com shop. Anything else raises AuthError.
    """
    claims = _verified_claims(token, client_id, client_secret)
    now = time.time() if now is None else now
    if now > claims["exp"] + leeway_s:
        raise AuthError("the session token has expired: App Bridge should fetch a fresh one")
    if now < claims["nbf"] - leeway_s:
        raise AuthError("the session token is not valid yet: is this server's clock right?")
    shop = _shop_of(claims)
    return SessionToken(
        shop=shop,
        user_id=str(claims["sub"]),
        session_id=str(claims["sid"]),
        expires_at=float(claims["exp"]),
    )


def _verified_claims(token: str, client_id: str, client_secret: str) -> dict[str, Any]:
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.DecodeError:
        raise AuthError("the session token is not a JWT") from None
    if algorithm != ALGORITHM:
        raise AuthError(f"the session token is signed with {algorithm!r}; only HS256 is accepted")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            client_secret,
            algorithms=[ALGORITHM],
            audience=client_id,
            # Times are checked by the caller against its own clock, which tests can set.
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise AuthError("the session token's signature does not match the app's secret") from None
    except jwt.InvalidAudienceError:
        raise AuthError("the session token was issued for another app (aud)") from None
    except jwt.MissingRequiredClaimError as error:
        raise AuthError(f"the session token lacks the {error.claim!r} claim") from None
    except jwt.PyJWTError as error:
        raise AuthError(f"the session token is malformed: {error}") from None
    for claim in ("exp", "nbf"):
        if isinstance(claims[claim], bool) or not isinstance(claims[claim], int | float):
            raise AuthError(f"the session token's {claim} is not a number of seconds")
    return claims


def _shop_of(claims: dict[str, Any]) -> str:
    dest = str(claims["dest"])
    shop = dest.removeprefix("https://")
    if dest == shop or not shop_domain_is_valid(shop):
        raise AuthError(f"the session token's dest {dest!r} is not https://<shop>.myshopify.com")
    if claims["iss"] != f"{dest}/admin":
        raise AuthError(f"the session token's iss {claims['iss']!r} does not match dest {dest!r}")
    return shop
