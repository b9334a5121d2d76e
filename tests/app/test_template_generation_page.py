"""The templates page's "Generate a model photo" form: validated, CSRF-checked and shop-scoped; the
job goes to the gpu queue, the page follows it and then shows the calibration; without a model
the form is disabled and says why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from rq.job import Job
from sqlmodel import Session, select

from app import create_app
from app.presets import QUEUE_DOWN
from core.settings import Settings
from imaging.generate.request import TemplateRequest
from jobs import template_generation
from jobs.context import current
from models.db import session_scope
from models.tables import Preset, Template
from tests.app.web_helpers import form, sign_in
from tests.jobs.text2image_stand_in import PhotoStandIn, hand_photo, use_stand_in
from tests.models.conftest import ShopGraph, add_shop_graph

DESCRIPTION = {
    "region": "hand",
    "skin_tone": "7",
    "age_range": "26-35",
    "styling": "minimal",
    "light": "left",
    "background": "light-grey",
    "seed": "0",
}
NAME = template_generation.template_name(TemplateRequest.parse("hand", 7), 0)


@pytest.fixture
def shops(app: Flask) -> tuple[ShopGraph, ShopGraph]:
    with session_scope(current().engine) as session:
        return add_shop_graph(session, "one.myshopify.com"), add_shop_graph(
            session, "two.myshopify.com"
        )


@pytest.fixture
def app_with_model(app: Flask, settings: Settings) -> Iterator[Flask]:
    """The app with a text-to-image model configured (`app` deletes the rows and jobs after)."""
    yield create_app(settings.with_overrides(generate_model="stand-in/sdxl"))


def _gpu_jobs() -> list[str]:
    redis = current().redis
    assert redis is not None
    return Queue("gpu", connection=redis).job_ids


def _generated_rows() -> list[Template]:
    with Session(current().engine) as session:
        return list(session.exec(select(Template).where(Template.source == "generated")))


def _row_html(page: str, name: str) -> str:
    return next(row for row in page.split('<tr class="template ')[1:] if f"<td>{name}</td>" in row)


def test_without_a_model_the_form_is_disabled_and_says_why(
    client: FlaskClient, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    sign_in(client, shops[0].shop_id)
    page = client.get("/presets").get_data(as_text=True)
    section = page.split('<section class="card" id="generate">')[1].split("</section>")[0]
    assert "Not available: no text-to-image model configured: set ADORN_GENERATE_MODEL" in section
    assert "<fieldset disabled>" in section

    response = client.post("/templates/generate", data=form(**DESCRIPTION))
    assert response.status_code == 409
    assert "ADORN_GENERATE_MODEL" in response.get_data(as_text=True)
    assert _gpu_jobs() == [] and _generated_rows() == []


def test_with_redis_down_nothing_is_left_waiting_for_a_job_that_never_started(
    settings: Settings, shops: tuple[ShopGraph, ShopGraph]
) -> None:
    down = create_app(
        settings.with_overrides(generate_model="stand-in/sdxl", redis_url="redis://127.0.0.1:1/0")
    )
    client = down.test_client()
    sign_in(client, shops[0].shop_id)

    response = client.post("/templates/generate", data=form(**DESCRIPTION))

    assert response.status_code == 503
    assert "nothing was started" in response.get_data(as_text=True)
    [row] = _generated_rows()
    assert row.name == NAME and row.annotation_error == QUEUE_DOWN  # not "being generated"


def test_a_description_is_generated_on_the_gpu_queue_then_shows_its_calibration(
    app_with_model: Flask, shops: tuple[ShopGraph, ShopGraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = shops
    client = app_with_model.test_client()
    sign_in(client, one.shop_id)
    page = client.get("/presets").get_data(as_text=True)
    assert "<fieldset>" in page.split('id="generate"')[1] and "Not available" not in page

    response = client.post("/templates/generate", data=form(**DESCRIPTION))
    assert response.status_code == 302
    assert client.post("/templates/generate", data=form(**DESCRIPTION)).status_code == 302
    assert _gpu_jobs() == [f"generate-template-{one.shop_id}-{NAME}"]  # a double click: one job
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Generating a model photo" in page
    assert "being generated" in _row_html(page, NAME)

    use_stand_in(monkeypatch, PhotoStandIn([hand_photo()]))
    job = Job.fetch(_gpu_jobs()[0], connection=current().redis)
    assert template_generation.generate_template(*job.args) is True  # what the gpu worker runs

    row_html = _row_html(client.get("/presets").get_data(as_text=True), NAME)
    assert "being generated" not in row_html and "generated, seed 0" in row_html
    assert 1.0 < float(row_html.split('<td class="px-per-mm">')[1].split("<")[0]) < 30.0
    again = client.post("/templates/generate", data=form(**DESCRIPTION))
    assert again.status_code == 409 and "choose another seed" in again.get_data(as_text=True)
    [row] = _generated_rows()
    assert row.shop_id == one.shop_id

    other = app_with_model.test_client()  # the other shop neither sees nor uses it
    sign_in(other, two.shop_id)
    assert NAME not in other.get("/presets").get_data(as_text=True)
    assert other.get(f"/templates/{row.id}").status_code == 404
    assert other.post(f"/templates/{row.id}/calibration", data=form(px_per_mm=9)).status_code == 404
    for shop, client_of in ((one, client), (two, other)):
        preset = form(
            jewelry_type="ring",
            name="generated",
            template_names=[NAME],
            background_style="studio",
            crop_ratio="1:1",
            variations="2",
            target_tier="listing",
        )
        assert client_of.post("/presets", data=preset).status_code == 302
        with Session(current().engine) as session:
            saved = session.exec(
                select(Preset).where(Preset.shop_id == shop.shop_id, Preset.name == "generated")
            ).one()
        assert saved.template_names == ([NAME] if shop is one else [])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("skin_tone", "11", "skin tone 11 is not on the Monk scale: use 1 (lightest) to 10"),
        ("skin_tone", "dark", "skin tone must be a whole number from 1 (lightest) to 10"),
        ("region", "foot", "unknown body region &#39;foot&#39;: choose one of neck, ear"),
        ("styling", "", "unknown styling &#39;&#39;: choose one of minimal"),
        ("seed", "-3", "seed must be a whole number from 0 to 4294967295, or empty"),
        ("csrf_token", "", "CSRF token is missing or stale"),
    ],
)
def test_bad_descriptions_are_refused_with_the_reason(
    app_with_model: Flask,
    shops: tuple[ShopGraph, ShopGraph],
    field: str,
    value: str,
    message: str,
) -> None:
    client = app_with_model.test_client()
    sign_in(client, shops[0].shop_id)
    response = client.post("/templates/generate", data=form(**{**DESCRIPTION, field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _gpu_jobs() == [] and _generated_rows() == []
