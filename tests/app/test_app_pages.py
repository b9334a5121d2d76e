"""The seller's pages doing their jobs: the catalog with grades and the cost figure, batch
generation with progress, review actions, publish and undo, the export zip, and the CLI."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlmodel import Session

from app.cli import main
from jobs.context import current
from models.db import session_scope
from models.enums import ImageStatus
from models.tables import GeneratedImage, Product, SourcePhoto
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

    assert client.post(f"{base}/unpublish", data=form(destination="shopify")).status_code == 302
    with Session(current().engine) as session:
        image = session.get(GeneratedImage, shop.image_id)
        assert image is not None and image.status is ImageStatus.PENDING


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
        image.qa_report = {"exports": exports}
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
    assert [(r["platform"], r["preset"], r["template"]) for r in rows] == [
        ("etsy", "default", "ear-1"),
        ("shopify", "default", "ear-1"),
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
    review = client.get(f"/products/{shop.product_id}").get_data(as_text=True)
    assert "Gold hoops, 20 mm" in review and "gold, hoops" in review


def test_worker_needs_redis_and_serve_is_a_command() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["worker", "--queue", "gpu"], env={"REDIS_URL": ""})
    assert result.exit_code != 0 and "REDIS_URL" in result.output
    assert runner.invoke(main, ["serve", "--help"]).exit_code == 0
