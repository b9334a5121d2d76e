"""What a preset asks for is what a run does (backdrop, shadow direction, crop ratio, target tier,
automatic publishing); undo removes exactly adorn's published images; the shop's name comes from
its platform; an uploaded model photo is annotated by a job. Jobs run in-process, against the
sandbox store over real HTTP."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.settings import Settings
from imaging.annotate import annotate_photo
from imaging.geometry import angle_deg
from imaging.image_io import load_image
from imaging.jewelry import BodyRegion
from imaging.samples.models import LIGHT_DIRECTION
from imaging.variations import LIGHT_FROM_SCENE_MAX_DEG
from integrations.sandbox.stores import SandboxStores
from jobs import api, tasks
from jobs.context import current
from jobs.generation import approve_reaching_target, platforms_for, reaches_tier
from models.db import session_scope
from models.enums import ImageStatus, ProductStatus, PublicationStatus, RunStatus, ShopPlatform
from models.tables import (
    GeneratedImage,
    GenerationRun,
    Preset,
    Product,
    Publication,
    Shop,
    Template,
)
from tests.jobs.conftest import install_shop

JOB_TIMEOUT_S = 600


def _wait() -> None:
    assert api.wait_for_idle(JOB_TIMEOUT_S), "in-process jobs did not finish"


def _synced_ring(sandbox: SandboxStores, settings: Settings, engine: Engine) -> tuple[int, int]:
    shop_id = install_shop(sandbox, settings, auto_generate=False)
    assert tasks.sync_shop(shop_id) >= 1
    with Session(engine) as session:
        ring = session.exec(
            select(Product).where(Product.shop_id == shop_id, Product.jewelry_type == "ring")
        ).first()
        assert ring is not None and ring.id is not None
        return shop_id, ring.id


def _add_preset(engine: Engine, shop_id: int, **fields: object) -> int:
    values: dict[str, object] = {
        "jewelry_type": "ring",
        "name": "default",
        "background_style": "studio",
        "crop_ratio": "1:1",
        "variations": 2,
        "target_tier": "listing",
        **fields,
    }
    with session_scope(engine) as session:
        preset = Preset(shop_id=shop_id, **values)  # type: ignore[arg-type]
        session.add(preset)
        session.flush()
        assert preset.id is not None
        return preset.id


def _images(engine: Engine, run_id: int) -> list[GeneratedImage]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(GeneratedImage)
                .where(GeneratedImage.run_id == run_id)
                .order_by(col(GeneratedImage.variation_index))
            )
        )


def _adorn_media(sandbox: SandboxStores, remote_id: str) -> list[str]:
    with sandbox.shopify_state.lock:
        product = sandbox.shopify_state.shops[sandbox.shop_domain].products[remote_id]
        return [m.id for m in product.media if m.alt and "[adorn]" in m.alt]


def _seller_media(sandbox: SandboxStores, remote_id: str) -> list[str]:
    with sandbox.shopify_state.lock:
        product = sandbox.shopify_state.shops[sandbox.shop_domain].products[remote_id]
        return [m.id for m in product.media if not (m.alt and "[adorn]" in m.alt)]


def _publications(engine: Engine, product_id: int) -> list[Publication]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Publication)
                .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
                .where(GeneratedImage.product_id == product_id)
                .order_by(col(Publication.id))
            )
        )


def test_a_preset_sets_light_crop_approval_and_publishing_then_undo_removes_the_images(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id, ring_id = _synced_ring(sandbox, in_process, engine)
    with Session(engine) as session:
        shop = session.get(Shop, shop_id)
        ring = session.get(Product, ring_id)
        assert shop is not None and ring is not None
        assert shop.name == sandbox.shopify_state.shops[sandbox.shop_domain].name
        remote_id = ring.remote_id
    scene_deg = angle_deg(LIGHT_DIRECTION)
    preset_id = _add_preset(
        engine,
        shop_id,
        light_direction_deg=(scene_deg + 90.0) % 360.0,  # far off the photo's own light
        crop_ratio="4:5",
        target_tier="social",
        auto_publish=True,
    )
    seller_before = _seller_media(sandbox, remote_id)

    run_id = tasks.generate_product(ring_id, preset_id, 11)
    _wait()

    assert run_id is not None
    images = _images(engine, run_id)
    assert len(images) == 2
    for image in images:
        # The preset pulls the shadows toward its direction, as far as the photo's light allows.
        assert math.isclose(
            image.qa_report["light_deg"],
            (scene_deg + LIGHT_FROM_SCENE_MAX_DEG) % 360.0,
            abs_tol=0.2,
        )
        shopify = image.qa_report["exports"]["shopify"]
        assert shopify["width"] * 5 == shopify["height"] * 4  # the preset's 4:5
        with Image.open(current().storage.path(shopify["path"])) as exported:
            assert exported.size == (shopify["width"], shopify["height"])
        etsy = image.qa_report["exports"]["etsy"]
        assert etsy["width"] * 3 == etsy["height"] * 4  # Etsy keeps its required 4:3
    approved = [i for i in images if i.status == ImageStatus.APPROVED]
    assert [i.id for i in approved] == [i.id for i in images if reaches_tier(i.tier, "social")]
    assert approved, f"no variation reached the social tier: {[i.tier for i in images]}"

    published = _publications(engine, ring_id)
    assert {p.generated_image_id for p in published} == {i.id for i in approved}
    assert all(p.status == PublicationStatus.PUBLISHED for p in published)
    remote_ids = sorted(p.remote_image_id or "" for p in published)
    assert set(remote_ids) <= set(_adorn_media(sandbox, remote_id))

    undo_job = api.enqueue_unpublish(ring_id, ["shopify"])
    _wait()
    undone = api.job_status(undo_job)
    assert undone.state == "finished", undone.error
    assert not set(remote_ids) & set(_adorn_media(sandbox, remote_id))
    assert _seller_media(sandbox, remote_id) == seller_before  # the seller's photos untouched
    after = _publications(engine, ring_id)
    assert [p.status for p in after] == [PublicationStatus.REMOVED] * len(after)
    with Session(engine) as session:
        product = session.get(Product, ring_id)
        assert product is not None and product.status == ProductStatus.REVIEW
        statuses = [session.get(GeneratedImage, i.id).status for i in approved]  # type: ignore[union-attr]
    assert statuses == [ImageStatus.APPROVED] * len(approved)  # the approvals stay

    assert tasks.unpublish_product(ring_id, ["shopify"]) == {"shopify": []}  # nothing left to undo
    republished = tasks.publish_product(ring_id, ["shopify"])
    assert len(republished["shopify"]) == len(approved)


def test_without_auto_publish_the_target_tier_approves_and_nothing_is_sent(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id, ring_id = _synced_ring(sandbox, in_process, engine)
    preset_id = _add_preset(engine, shop_id, target_tier="social", variations=1)

    run_id = tasks.generate_product(ring_id, preset_id, 5)
    _wait()

    assert run_id is not None
    images = _images(engine, run_id)
    assert [i.status == ImageStatus.APPROVED for i in images] == [
        reaches_tier(i.tier, "social") for i in images
    ]
    assert _publications(engine, ring_id) == []
    # Square for Shopify, as without a preset (1:1 is this preset's ratio).
    shopify = images[0].qa_report["exports"]["shopify"]
    assert shopify["width"] == shopify["height"]


def test_a_background_style_without_templates_fails_the_run_and_says_why(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id, ring_id = _synced_ring(sandbox, in_process, engine)
    preset_id = _add_preset(engine, shop_id, background_style="lifestyle")

    with pytest.raises(ValueError, match="no lifestyle-background hand template"):
        tasks.generate_product(ring_id, preset_id, 3)

    with Session(engine) as session:
        run = session.exec(select(GenerationRun).where(GenerationRun.product_id == ring_id)).one()
    assert run.status == RunStatus.FAILED and "lifestyle" in (run.error or "")


def test_the_target_tier_decides_which_images_are_approved(
    in_process: Settings, engine: Engine
) -> None:
    tiers = ["fail", "social", "listing", "editorial", None]
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="tiers.myshopify.com", name="t")
        session.add(shop)
        session.flush()
        product = Product(shop_id=shop.id or 0, remote_id="gid://shopify/Product/9", title="Ring")
        session.add(product)
        session.flush()
        earlier = GenerationRun(product_id=product.id or 0, base_seed=100)
        run = GenerationRun(product_id=product.id or 0, base_seed=100)
        session.add_all([earlier, run])
        session.flush()
        session.add(  # the seller rejected seed 102 before: a re-render of it stays theirs
            GeneratedImage(
                run_id=earlier.id or 0,
                product_id=product.id or 0,
                variation_index=2,
                seed=102,
                template_name="t",
                tier="listing",
                render_path="r.png",
                status=ImageStatus.REJECTED,
            )
        )
        for index, tier in enumerate(tiers):
            session.add(
                GeneratedImage(
                    run_id=run.id or 0,
                    product_id=product.id or 0,
                    variation_index=index,
                    seed=100 + index,
                    template_name="t",
                    tier=tier,
                    render_path="r.png",
                )
            )
        session.flush()
        tier_of = {image.id: image.tier for image in session.exec(select(GeneratedImage))}
        by_target = {
            target: [tier_of[i] for i in approve_reaching_target(session, run, target)]
            for target in ("editorial", "listing", "social")
        }
    assert by_target == {"editorial": ["editorial"], "listing": [], "social": ["social"]}


def test_platforms_for_frames_only_the_free_ratio_destinations() -> None:
    default = {spec.name: spec.ratio for spec in platforms_for(None)}
    framed = {spec.name: spec for spec in platforms_for("8:10")}
    shopify = framed["shopify"]
    assert (shopify.ratio, shopify.width, shopify.height) == ((4, 5), 1636, 2045)
    assert {name: spec.ratio for name, spec in framed.items() if name != "shopify"} == {
        name: ratio for name, ratio in default.items() if name != "shopify"
    }
    for bad in ("1:3", "4-5", "0:1", ""):
        with pytest.raises(ValueError):
            platforms_for(bad)


@pytest.mark.people
def test_an_uploaded_photo_is_annotated_by_a_job_or_says_why_not(
    in_process: Settings, engine: Engine, people_dir: Path
) -> None:
    storage = current().storage
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="models.myshopify.com", name="m")
        session.add(shop)
        session.flush()
        shop_id = shop.id or 0
    blank = io.BytesIO()
    Image.fromarray(np.full((480, 640, 3), 255, np.uint8)).save(blank, format="PNG")
    uploads = {
        "my-hand": storage.write(
            f"{shop_id}/templates/uploads/my-hand-1.png",
            (people_dir / "hand-thumbs-up.png").read_bytes(),
        ),
        "no-hand": storage.write(f"{shop_id}/templates/uploads/no-hand-1.png", blank.getvalue()),
    }
    with session_scope(engine) as session:
        for name, path in uploads.items():
            session.add(
                Template(
                    shop_id=shop_id, name=name, region="hand", photo_path=path, source="upload"
                )
            )

    assert tasks.annotate_template(shop_id, "my-hand", "hand", uploads["my-hand"]) is True
    assert tasks.annotate_template(shop_id, "no-hand", "hand", uploads["no-hand"]) is False

    with Session(engine) as session:
        rows = {
            t.name: t for t in session.exec(select(Template).where(Template.shop_id == shop_id))
        }
    hand, missing = rows["my-hand"], rows["no-hand"]
    assert hand.annotation_error is None and hand.photo_path == f"{shop_id}/templates/my-hand.png"
    assert hand.annotation["finger"] and 1.0 < hand.annotation["px_per_mm"] < 30.0
    assert storage.exists(f"{shop_id}/templates/my-hand.json")
    assert not storage.exists(uploads["my-hand"])  # the upload is not kept twice
    assert missing.annotation == {} and "no hand found" in (missing.annotation_error or "")
    # A superseded upload's job leaves the newer upload's row alone.
    assert tasks.annotate_template(shop_id, "my-hand", "hand", uploads["my-hand"]) is False


@pytest.mark.people
def test_a_large_model_photo_is_kept_and_annotated_at_the_working_size(
    in_process: Settings, engine: Engine, people_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 1920 px hand photo stands in for a 50 MP one: with the working size at half its long
    # edge, the stored photo is half size and its annotation is in that photo's pixels.
    monkeypatch.setattr(tasks, "WORKING_LONG_EDGE_PX", 960)
    storage = current().storage
    photo = (people_dir / "hand-thumbs-up.png").read_bytes()
    as_shot = annotate_photo(load_image(photo).rgb, BodyRegion.HAND, "as-shot").annotation
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="big.myshopify.com", name="b")
        session.add(shop)
        session.flush()
        shop_id = shop.id or 0
        upload = storage.write(f"{shop_id}/templates/uploads/big-1.png", photo)
        session.add(
            Template(shop_id=shop_id, name="big", region="hand", photo_path=upload, source="upload")
        )

    assert tasks.annotate_template(shop_id, "big", "hand", upload) is True
    saved = Image.open(io.BytesIO(storage.read(f"{shop_id}/templates/big.png")))
    assert saved.size == (960, 640)
    with Session(engine) as session:
        annotation = session.exec(select(Template).where(Template.name == "big")).one().annotation
    assert as_shot.finger is not None
    assert annotation["px_per_mm"] == pytest.approx(as_shot.px_per_mm / 2, rel=0.1)
    knuckle = annotation["finger"]["knuckle"]
    assert math.dist(knuckle, (as_shot.finger.knuckle[0] / 2, as_shot.finger.knuckle[1] / 2)) < 4
