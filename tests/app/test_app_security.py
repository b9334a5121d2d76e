"""One shop never reads or changes another's objects; forms need the session's CSRF token; store
text is escaped; uploads are limited in bytes and pixels and must be images."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from rq import Queue
from sqlmodel import Session, select

from app import MAX_UPLOAD_BYTES
from app.progress import job_token
from jobs.context import current
from models.db import session_scope
from models.enums import ImageStatus
from models.tables import GeneratedImage, Product, Template
from tests.app.web_helpers import form, sign_in
from tests.models.conftest import ShopGraph, add_shop_graph


@pytest.fixture
def shops(app: Flask) -> tuple[ShopGraph, ShopGraph]:
    with session_scope(current().engine) as session:
        return add_shop_graph(session, "one.myshopify.com"), add_shop_graph(
            session, "two.myshopify.com"
        )


def _image_status(image_id: int) -> ImageStatus:
    with Session(current().engine) as session:
        image = session.get(GeneratedImage, image_id)
        assert image is not None
        return image.status


def test_a_shop_gets_404_for_every_object_of_another_shop(
    app: Flask, client: FlaskClient, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    one, two = shops
    sign_in(client, one.shop_id)
    assert client.get(f"/products/{one.product_id}").status_code == 200

    theirs = two.product_id
    reads = [
        f"/products/{theirs}",
        f"/files/images/{two.image_id}/render",
        f"/files/products/{theirs}/photos/{two.photo_id}",
        f"/files/templates/{two.template_id}",
    ]
    for url in reads:
        assert client.get(url).status_code == 404, url
    writes: list[tuple[str, dict[str, object]]] = [
        (f"/products/{theirs}/images/{two.image_id}/decision", {"decision": "approve"}),
        (f"/products/{one.product_id}/images/{two.image_id}/decision", {"decision": "approve"}),
        (f"/products/{theirs}/images/{two.image_id}/nudge", {"scale": 1.1, "dx_mm": 0, "dy_mm": 0}),
        (f"/products/{theirs}/regenerate", {}),
        (f"/products/{one.product_id}/regenerate", {"preset_id": two.preset_id}),
        (f"/products/{theirs}/copy", {"title": "mine now"}),
        (f"/products/{theirs}/describe", {}),
        (f"/products/{theirs}/publish", {"destination": "shopify"}),
        (f"/products/{theirs}/unpublish", {"destination": "shopify"}),
        ("/generate", {"product_id": theirs}),
        (f"/templates/{two.template_id}/calibration", {"px_per_mm": 9.0}),
        (f"/templates/{two.template_id}/background", {"background_style": "plain"}),
    ]
    for url, fields in writes:
        assert client.post(url, data=form(**fields)).status_code == 404, url
    assert _image_status(two.image_id) is ImageStatus.PENDING
    with Session(current().engine) as session:
        their_template = session.get(Template, two.template_id)
        assert their_template is not None and their_template.background_style == "studio"
    with app.test_request_context():
        their_job = job_token(two.shop_id, f"generate-{theirs}-auto")
        their_sync = job_token(two.shop_id, f"sync-{two.shop_id}")
    assert client.get(f"/jobs/{their_job}").status_code == 404
    # Another shop's job named in a page's link is not shown (nor its product's title).
    redis = current().redis
    assert redis is not None
    Queue("default", connection=redis).enqueue(
        "jobs.tasks.sync_shop", two.shop_id, job_id=f"sync-{two.shop_id}"
    )
    for url in ("/", f"/products/{one.product_id}", "/presets"):
        page = client.get(url, query_string={"job": [their_job, their_sync]}).get_data(as_text=True)
        assert 'class="job ' not in page, url


def test_a_post_without_the_sessions_csrf_token_is_refused(
    client: FlaskClient, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    one, _ = shops
    sign_in(client, one.shop_id)
    url = f"/products/{one.product_id}/images/{one.image_id}/decision"

    assert client.post(url, data={"decision": "approve"}).status_code == 400
    stale = {"decision": "approve", "csrf_token": "from-another-session"}
    assert client.post(url, data=stale).status_code == 400
    assert _image_status(one.image_id) is ImageStatus.PENDING

    assert client.post(url, data=form(decision="approve")).status_code == 302
    assert _image_status(one.image_id) is ImageStatus.APPROVED


def test_product_text_from_the_store_is_escaped(
    client: FlaskClient, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    one, _ = shops
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with session_scope(current().engine) as session:
        product = session.get(Product, one.product_id)
        assert product is not None
        product.title, product.size_text = hostile, hostile
        session.add(product)
    sign_in(client, one.shop_id)

    for url in ("/", f"/products/{one.product_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(" in page, url


def test_uploads_are_limited_and_must_be_images(
    client: FlaskClient, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    one, _ = shops
    sign_in(client, one.shop_id)

    def upload(data: bytes, name: str = "my-hand") -> int:
        photo = (io.BytesIO(data), "hand.png")
        fields = form(region="hand", name=name, background_style="studio", photo=photo)
        response = client.post("/templates", data=fields, content_type="multipart/form-data")
        return response.status_code

    assert upload(b"\0" * (MAX_UPLOAD_BYTES + 1)) == 413
    assert upload(b"I am text, not a photo") == 400
    bomb = io.BytesIO()
    Image.new("1", (10000, 8000)).save(bomb, format="PNG")  # tiny file, 80 MP
    assert upload(bomb.getvalue()) == 400
    gif = io.BytesIO()
    Image.new("RGB", (64, 64)).save(gif, format="GIF")
    assert upload(gif.getvalue()) == 400  # an image, but not one the form offers
    assert upload(b"", name="../../etc") == 400
    with Session(current().engine) as session:
        names = sorted(t.name for t in session.exec(select(Template)))
    assert names == ["ear-1", "ear-1"]  # the two shops' own, and nothing uploaded
    assert not current().storage.path(f"{one.shop_id}/templates").exists()  # nothing kept
