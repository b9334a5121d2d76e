"""Installing and signing in against the sandbox stores over real HTTP: Shopify OAuth with a
single-use state, the Etsy connect with PKCE, and the embedded app's session tokens."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app import create_app
from core.settings import Settings
from integrations.sandbox.shopify.oauth import make_session_token
from integrations.sandbox.stores import SandboxStores
from integrations.shopify.auth import install_query_hmac
from jobs import queues
from jobs.api import job_status, wait_for_idle
from jobs.context import current
from models.db import session_scope
from models.enums import ShopPlatform
from models.queries import find_shop, list_products
from models.tables import Shop
from tests.app.conftest import APP_URL


def _location(response: object) -> str:
    assert getattr(response, "status_code", None) in (302, 303), response
    return str(response.headers["Location"])  # type: ignore[attr-defined]


def _follow_store(url: str) -> str:
    """The store's approval page redirects back to the app: return the app-relative callback."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = answer.headers["Location"]
    assert callback.startswith(APP_URL), callback
    return callback.removeprefix(APP_URL)


def _shop(platform: ShopPlatform, remote_id: str) -> Shop | None:
    with Session(current().engine) as session:
        return find_shop(session, platform, remote_id)


def test_shopify_install_through_the_sandbox_saves_encrypted_tokens_and_signs_in(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    authorize = _location(client.get(f"/auth/shopify?shop={sandbox.shop_domain}"))
    assert authorize.startswith(sandbox.shop_url)
    callback = _follow_store(authorize)

    done = client.get(callback)

    assert _location(done) == "/"
    shop = _shop(ShopPlatform.SHOPIFY, sandbox.shop_domain)
    assert shop is not None and shop.tokens_encrypted is not None
    tokens = current().cipher.decrypt(shop.tokens_encrypted)
    assert tokens.access_token.encode() not in shop.tokens_encrypted  # encrypted at rest
    assert tokens.access_token in sandbox.shopify_state.tokens  # the sandbox issued it
    page = client.get("/")
    assert page.status_code == 200 and sandbox.shop_domain in page.get_data(as_text=True)

    replay = client.get(callback)  # the state was single use and the code is spent
    assert replay.status_code == 401


def test_a_callback_from_another_browser_or_with_a_forged_hmac_is_refused(
    app: Flask, sandbox: SandboxStores
) -> None:
    victim, attacker = app.test_client(), app.test_client()
    callback = _follow_store(_location(victim.get(f"/auth/shopify?shop={sandbox.shop_domain}")))

    assert attacker.get(callback).status_code == 401  # its session holds no such state
    forged = callback.replace("hmac=", "hmac=0")
    assert victim.get(forged).status_code == 401
    assert _shop(ShopPlatform.SHOPIFY, sandbox.shop_domain) is None


def test_the_install_link_hmac_is_checked_when_present(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    secret = sandbox.shopify_state.app.client_secret
    query = {"shop": sandbox.shop_domain, "timestamp": str(int(time.time()))}
    signed = {**query, "hmac": install_query_hmac(query, secret)}

    assert client.get(f"/auth/shopify?{urlencode(signed)}").status_code == 302
    bad = {**query, "hmac": install_query_hmac(query, "not-the-secret")}
    assert client.get(f"/auth/shopify?{urlencode(bad)}").status_code == 401
    assert client.get("/auth/shopify?shop=evil.example.com").status_code == 401


def test_etsy_connect_with_pkce_finds_the_sellers_shop(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    connect = _location(client.get("/auth/etsy"))
    query = dict(parse_qsl(urlsplit(connect).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43

    done = client.get(_follow_store(connect))

    assert _location(done) == "/"
    shop = _shop(ShopPlatform.ETSY, str(sandbox.etsy_shop.shop_id))
    assert shop is not None and shop.tokens_encrypted is not None
    assert client.get("/").status_code == 200


def test_an_embedded_request_with_a_session_token_installs_by_token_exchange(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    token = make_session_token(sandbox.shopify_state, sandbox.shop_domain)

    page = client.get("/", headers={"Authorization": f"Bearer {token}"})

    assert page.status_code == 200
    shop = _shop(ShopPlatform.SHOPIFY, sandbox.shop_domain)
    assert shop is not None and shop.tokens_encrypted is not None
    again = client.get("/presets", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200


def test_bad_session_tokens_get_401_and_never_fall_back_to_the_cookie(
    client: FlaskClient, sandbox: SandboxStores
) -> None:
    good = make_session_token(sandbox.shopify_state, sandbox.shop_domain)
    assert client.get("/", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-app-secret-but-32-bytes-long", algorithm="HS256")
    expired = make_session_token(sandbox.shopify_state, sandbox.shop_domain, now=time.time() - 3600)

    for token in (forged, expired, "not-a-jwt"):
        response = client.get("/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_pages_need_a_signed_in_shop(client: FlaskClient) -> None:
    assert _location(client.get("/")).endswith("/connect")
    assert client.get("/connect").status_code == 200


def test_without_redis_the_install_answers_at_once_and_the_sync_runs_on_the_job_thread(
    app: Flask, settings: Settings, sandbox: SandboxStores
) -> None:
    in_process = create_app(settings.with_overrides(redis_url=None))  # the cleanup is app's
    client = in_process.test_client()
    hold = threading.Event()
    queues.enqueue(hold.wait, 30, queue=queues.DEFAULT_QUEUE)  # keep the job thread busy
    try:
        callback = _follow_store(_location(client.get(f"/auth/shopify?shop={sandbox.shop_domain}")))
        done = client.get(callback)

        assert _location(done) == "/"
        shop = _shop(ShopPlatform.SHOPIFY, sandbox.shop_domain)
        assert shop is not None and shop.id is not None
        assert job_status(f"sync-{shop.id}").state == "queued"  # answered before the sync ran
        with session_scope(current().engine) as session:  # sync only: no generation after it
            session.get_one(Shop, shop.id).auto_generate = False
    finally:
        hold.set()
    assert wait_for_idle(timeout_s=120)
    assert job_status(f"sync-{shop.id}").state == "finished"
    with Session(current().engine) as session:
        assert len(list_products(session, shop.id)) == len(
            sandbox.shopify_state.shops[sandbox.shop_domain].products
        )
