"""The seller's pages doing their jobs: the catalog with grades, the cost figure and the shop's
name, batch generation and sync with progress, review actions, publish and undo, presets and the
template library (uploads annotated by a job), the export zip, and the CLI."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from rq import Queue
from rq.job import Job
from sqlmodel import Session, select

from app.cli import main
from core.settings import Settings
from imaging.variations import LIGHT_FROM_SCENE_MAX_DEG
from jobs import tasks
from jobs.context import current
from models.db import session_scope
from models.enums import ImageStatus
from models.tables import GeneratedImage, Preset, Product, Shop, SourcePhoto, Template
from tests.app.web_helpers import form, sign_in
from tests.models.conftest import ShopGraph, add_shop_graph

RESHOOT = "Reshoot on a plain white background: the piece cannot be cut out cleanly."


@pytest.fixture
def shop(app: Flask) -> ShopGraph:
    """A shop whose product has one approved and one pending variation, and an inspected photo."""
    with session_scope(current().engine) as session:
        graph = add_shop_graph(session, "one.myshopify.com")
        product = session.get(Product, graph.product_id)
        photo = session.get(SourcePhoto, graph.photo_id)
        first = session.get(GeneratedImage, graph.image_id)
        assert product and photo and first
        product.jewelry_type = "earrings"
        photo.grade = "reshoot"
        photo.inspection = {
            "grade": "reshoot",
            "findings": [
                {"code": "long_edge", "status": "ok", "message": "Long edge is fine."},
                {"code": "plain_background", "status": "reshoot", "message": RESHOOT},
            ],
        }
        first.status = ImageStatus.APPROVED
        first.qa_report = {"exports": {}}
        second = GeneratedImage(
            run_id=graph.run_id,
            product_id=graph.product_id,
            variation_index=1,
            seed=first.seed + 1,
            template_name="ear-1",
            render_path="x.png",
        )
        session.add_all([product, photo, first, second])
    return graph


def _template_row(page: str, name: str) -> str:
    """The presets page's table row of the shop's template `name`."""
    return next(row for row in page.split('<tr class="template ')[1:] if f"<td>{name}</td>" in row)


def _queued(queue: str) -> list[str]:
    redis = current().redis
    assert redis is not None
    return Queue(queue, connection=redis).job_ids


def test_the_catalog_shows_grades_reshoot_advice_and_generations_per_approved_image(
    client: FlaskClient, shop: ShopGraph
) -> None:
    sign_in(client, shop.shop_id)
    page = client.get("/").get_data(as_text=True)
    assert "Gold hoops" in page and "reshoot" in page and RESHOOT in page
    assert "Long edge is fine." not in page  # only what asks the seller to act
    assert '<td class="cost">2.0</td>' in page  # 2 generated, 1 approved


def test_batch_generation_by_type_enqueues_and_reports_progress(
    client: FlaskClient, shop: ShopGraph
) -> None:
    sign_in(client, shop.shop_id)
    response = client.post("/generate", data=form(jewelry_type="earrings"))
    assert response.status_code == 302
    assert _queued("gpu") == [f"generate-{shop.product_id}-auto"]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    progress_url = page.split('data-job-url="')[1].split('"')[0]
    status = client.get(progress_url, headers={"Accept": "application/json"})
    assert status.status_code == 200
    assert status.get_json() == {
        "state": "queued",
        "progress": 0.0,
        "step": "queued",
        "error": None,
    }


def test_nudge_saves_the_correction_and_rerenders_with_the_runs_seed(
    client: FlaskClient, shop: ShopGraph
) -> None:
    sign_in(client, shop.shop_id)
    url = f"/products/{shop.product_id}/images/{shop.image_id}/nudge"
    assert client.post(url, data=form(scale=1.3, dx_mm=0, dy_mm=0)).status_code == 400
    assert client.post(url, data=form(scale=1.1, dx_mm=-2, dy_mm=1.5)).status_code == 302
    with Session(current().engine) as session:
        image = session.get(GeneratedImage, shop.image_id)
        assert image is not None
        assert (image.scale_nudge, image.offset_nudge_mm) == (1.1, [-2.0, 1.5])
    assert _queued("gpu") == [f"generate-{shop.product_id}-{shop.preset_id}"]


def test_publish_and_undo_enqueue_for_the_shops_own_platform_only(
    client: FlaskClient, shop: ShopGraph
) -> None:
    sign_in(client, shop.shop_id)
    base = f"/products/{shop.product_id}"
    assert client.post(f"{base}/publish", data=form(destination="etsy")).status_code == 400
    assert client.post(f"{base}/publish", data=form(destination="shopify")).status_code == 302
    assert _queued("default") == [f"publish-{shop.product_id}-shopify"]

    undo = client.post(f"{base}/unpublish", data=form(destination="shopify"))
    assert undo.status_code == 302
    assert _queued("default") == [
        f"publish-{shop.product_id}-shopify",
        f"unpublish-{shop.product_id}-shopify",
    ]
    with Session(current().engine) as session:
        image = session.get(GeneratedImage, shop.image_id)
        assert image is not None and image.status is ImageStatus.APPROVED  # approvals stay
    page = client.get(undo.headers["Location"]).get_data(as_text=True)
    assert "Removing adorn&#39;s images from shopify: Gold hoops" in page


def test_the_export_zip_has_a_folder_per_platform_and_a_manifest(
    client: FlaskClient, shop: ShopGraph
) -> None:
    storage = current().storage
    exports = {}
    for platform in ("shopify", "etsy"):
        path = storage.write(f"1/exports/{platform}/v0.jpg", f"{platform} jpeg".encode())
        exports[platform] = {"path": path, "width": 2048, "height": 2048}
    with session_scope(current().engine) as session:
        image = session.get(GeneratedImage, shop.image_id)
        assert image is not None
        image.qa_report = {"exports": exports, "light_deg": 62.5}
        session.add(image)
    sign_in(client, shop.shop_id)

    response = client.get("/export.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    image_name = f"product-{shop.product_id}-image-{shop.image_id}.jpg"
    assert names == ["etsy/" + image_name, "manifest.csv", "shopify/" + image_name]
    assert archive.read("shopify/" + image_name) == b"shopify jpeg"
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [(r["platform"], r["preset"], r["template"], r["shadows_deg"]) for r in rows] == [
        ("etsy", "default", "ear-1", "62.5"),
        ("shopify", "default", "ear-1", "62.5"),
    ]


def test_a_seller_can_edit_the_copy_and_save_a_preset(client: FlaskClient, shop: ShopGraph) -> None:
    sign_in(client, shop.shop_id)
    copy = form(title="Gold hoops, 20 mm", description="<p>Light hoops</p>", tags="gold, hoops")
    assert client.post(f"/products/{shop.product_id}/copy", data=copy).status_code == 302
    preset = form(
        jewelry_type="ring",
        name="studio",
        background_style="studio",
        crop_ratio="4:5",
        variations=4,
        target_tier="listing",
        light_direction_deg="",
    )
    assert client.post("/presets", data=preset).status_code == 302
    page = client.get("/presets").get_data(as_text=True)
    assert "studio" in page and "4:5" in page
    assert f"kept within {LIGHT_FROM_SCENE_MAX_DEG:.0f}° of it" in page  # what the planner holds to
    review = client.get(f"/products/{shop.product_id}").get_data(as_text=True)
    assert "Gold hoops, 20 mm" in review and "gold, hoops" in review


def test_worker_needs_redis_and_serve_is_a_command() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["worker", "--queue", "gpu"], env={"REDIS_URL": ""})
    assert result.exit_code != 0 and "REDIS_URL" in result.output
    assert runner.invoke(main, ["serve", "--help"]).exit_code == 0


def test_the_dashboard_names_the_shop_and_follows_its_sync(
    client: FlaskClient, shop: ShopGraph
) -> None:
    with session_scope(current().engine) as session:
        row = session.get(Shop, shop.shop_id)
        assert row is not None
        row.name = "Gold & Co"
        session.add(row)
    sign_in(client, shop.shop_id)
    response = client.post("/sync", data=form())
    assert response.status_code == 302
    assert _queued("default") == [f"sync-{shop.shop_id}"]

    # A sync still queued is followed on the plain catalog page too (the one after an install).
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Gold &amp; Co</h1>" in page and "one.myshopify.com" in page
    boxes = page.split('class="job ')[1:]
    assert (
        len(boxes) == 1 and "Syncing the catalog" in boxes[0] and 'data-state="queued"' in boxes[0]
    )
    for live in (
        'id="shop" data-refresh',
        'id="catalog-rows" data-refresh',
        'id="jobs" data-refresh',
    ):
        assert live in page


def test_the_review_page_shows_the_target_tier_and_the_shadow_direction(
    client: FlaskClient, shop: ShopGraph
) -> None:
    with session_scope(current().engine) as session:
        image = session.get(GeneratedImage, shop.image_id)
        assert image is not None
        image.tier = "listing"
        image.qa_report = {"exports": {}, "light_deg": 231.4}
        session.add(image)
    sign_in(client, shop.shop_id)
    page = client.get(f"/products/{shop.product_id}").get_data(as_text=True)
    assert "(target listing)" in page and "shadows at 231°" in page
    assert 'id="variations" data-refresh' in page


def test_preset_settings_are_checked_and_library_templates_can_be_chosen(
    client: FlaskClient, shop: ShopGraph, settings: Settings
) -> None:
    (settings.templates_dir / "sample-hand-mst3.json").write_text(
        '{"region": "hand", "px_per_mm": 12.5, "scale_source": "generated"}'
    )
    sign_in(client, shop.shop_id)
    preset = {
        "jewelry_type": "ring",
        "name": "closeup",
        "background_style": "studio",
        "variations": 2,
        "target_tier": "social",
        "light_direction_deg": "-45",
        "auto_publish": "on",
        "template_names": ["sample-hand-mst3", "ear-1", "nobody"],
    }
    for bad in ("1:3", "4/5", "0:5"):
        assert client.post("/presets", data=form(**preset, crop_ratio=bad)).status_code == 400
    for bad in ("nan", "inf", "west"):
        light = {**preset, "light_direction_deg": bad}
        assert client.post("/presets", data=form(**light, crop_ratio="1:1")).status_code == 400
    assert client.post("/presets", data=form(**preset, crop_ratio="8:10")).status_code == 302
    with Session(current().engine) as session:
        saved = session.exec(select(Preset).where(Preset.name == "closeup")).one()
    assert saved.crop_ratio == "4:5" and saved.light_direction_deg == 315.0
    # ear-1 is still being annotated (no annotation yet) and "nobody" does not exist.
    assert saved.template_names == ["sample-hand-mst3"]
    assert (saved.target_tier, saved.auto_publish) == ("social", True)
    page = client.get("/presets").get_data(as_text=True)
    assert "automatically" in page and "315°" in page


@pytest.mark.people
def test_an_upload_is_annotated_by_a_job_and_then_shows_its_calibration(
    client: FlaskClient, shop: ShopGraph, people_dir: Path
) -> None:
    sign_in(client, shop.shop_id)
    photo = (people_dir / "hand-thumbs-up.png").read_bytes()
    fields = form(
        region="hand", name="my-hand", background_style="plain", photo=(io.BytesIO(photo), "h.png")
    )
    response = client.post("/templates", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302
    [job_id] = _queued("default")
    assert job_id.startswith(f"annotate-template-{shop.shop_id}-my-hand-")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Annotating the model photo" in page
    assert "being annotated" in _template_row(page, "my-hand")
    with Session(current().engine) as session:
        row = session.exec(select(Template).where(Template.name == "my-hand")).one()
    assert (row.annotation, row.background_style) == ({}, "plain")

    job = Job.fetch(job_id, connection=current().redis)
    assert tasks.annotate_template(*job.args) is True  # what the default worker runs

    row_html = _template_row(client.get("/presets").get_data(as_text=True), "my-hand")
    assert "being annotated" not in row_html
    px_per_mm = row_html.split('<td class="px-per-mm">')[1].split("<")[0]
    assert 1.0 < float(px_per_mm) < 30.0
    assert "hand_world_landmarks" in row_html  # where the scale came from
    assert (
        client.post(
            f"/templates/{row.id}/background", data=form(background_style="lifestyle")
        ).status_code
        == 302
    )
    with Session(current().engine) as session:
        assert session.get(Template, row.id).background_style == "lifestyle"  # type: ignore[union-attr]

    # The seller's own scale replaces the measured one, and the template says where it came from.
    response = client.post(f"/templates/{row.id}/calibration", data=form(px_per_mm=9.0))
    assert response.status_code == 302
    with Session(current().engine) as session:
        calibrated = session.get(Template, row.id)
    assert calibrated is not None and calibrated.source == "manual"
    assert (calibrated.annotation["px_per_mm"], calibrated.annotation["scale_source"]) == (
        9.0,
        "seller",
    )
    saved = current().storage.path(calibrated.photo_path).with_suffix(".json")
    assert json.loads(saved.read_text())["px_per_mm"] == 9.0


def test_a_photo_without_the_body_part_says_why_it_cannot_be_used(
    client: FlaskClient, shop: ShopGraph
) -> None:
    sign_in(client, shop.shop_id)
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(blank, format="PNG")
    photo = (io.BytesIO(blank.getvalue()), "b.png")
    fields = form(region="hand", name="blank", background_style="studio", photo=photo)
    response = client.post("/templates", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302
    job = Job.fetch(_queued("default")[0], connection=current().redis)
    assert tasks.annotate_template(*job.args) is False

    row_html = _template_row(client.get("/presets").get_data(as_text=True), "blank")
    assert "not usable: no hand found" in row_html
    with Session(current().engine) as session:
        row = session.exec(select(Template).where(Template.name == "blank")).one()
    assert (
        client.post(f"/templates/{row.id}/calibration", data=form(px_per_mm=9.0)).status_code == 409
    )  # nothing to calibrate


def test_the_dashboard_follows_an_automatic_publish_still_to_come(
    client: FlaskClient, shop: ShopGraph
) -> None:
    with session_scope(current().engine) as session:
        preset = session.get(Preset, shop.preset_id)
        second = session.exec(
            select(GeneratedImage).where(GeneratedImage.id != shop.image_id)
        ).one()
        assert preset is not None
        preset.auto_publish = True
        second.status = ImageStatus.APPROVED  # approved by the preset, not published yet
        session.add_all([preset, second])
    sign_in(client, shop.shop_id)
    assert 'class="job ' not in client.get("/").get_data(as_text=True)  # no job queued yet

    assert client.post(f"/products/{shop.product_id}/publish", data=form()).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Publishing to shopify: Gold hoops" in page
