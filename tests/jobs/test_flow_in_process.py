"""The whole flow for a Shopify shop with jobs run in-process (the embedded default): sync,
generate, describe, approve, publish, publish again; webhook dedupe on the event id, and stale
webhooks that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from core.settings import Settings
from integrations.sandbox.stores import SandboxStores
from jobs import api
from models.db import session_scope
from models.enums import ImageStatus, ProductStatus, PublicationStatus, RunStatus
from models.tables import (
    GeneratedImage,
    GenerationRun,
    ListingCopy,
    Product,
    Publication,
    WebhookEvent,
)
from tests.jobs.conftest import install_shop


def adorn_media(sandbox: SandboxStores, remote_id: str) -> list[str]:
    """Ids of adorn's images on the sandbox product (their alt text carries the marker)."""
    with sandbox.shopify_state.lock:
        product = sandbox.shopify_state.shops[sandbox.shop_domain].products[remote_id]
        return [m.id for m in product.media if m.alt and "[adorn]" in m.alt]


def test_sync_generate_describe_publish_and_publish_again(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id = install_shop(sandbox, in_process, auto_generate=False)

    sync = done(api.enqueue_sync(shop_id))
    assert sync.state == "finished", sync.error
    with session_scope(engine) as session:
        products = session.exec(select(Product).where(Product.shop_id == shop_id)).all()
        assert len(products) == 8
        ring = next(p for p in products if p.jewelry_type == "ring")
        assert ring.physical_spec and ring.metal  # parsed from the product's own text
        assert ring.status == ProductStatus.NEW

    generate = done(api.enqueue_generate(_id(ring.id), base_seed=7))
    assert generate.state == "finished", generate.error
    assert generate.progress == 1.0
    with session_scope(engine) as session:
        run = session.exec(select(GenerationRun).where(GenerationRun.product_id == ring.id)).one()
        images = session.exec(
            select(GeneratedImage)
            .where(GeneratedImage.product_id == ring.id)
            .order_by(col(GeneratedImage.variation_index))
        ).all()
        assert run.status == RunStatus.DONE and run.base_seed == 7
        assert [i.variation_index for i in images] == [0, 1]
        assert all(i.tier and i.qa_report["checks"] for i in images)
        for image in images:
            for path in (image.render_path, image.overlay_path):
                assert (in_process.data_dir / "files" / str(path)).is_file()
            assert (
                in_process.data_dir / "files" / image.qa_report["exports"]["shopify"]["path"]
            ).is_file()
        assert session.get(Product, ring.id).status == ProductStatus.REVIEW  # type: ignore[union-attr]

    describe = done(api.enqueue_describe(_id(ring.id)))
    assert describe.state == "finished", describe.error
    with session_scope(engine) as session:
        copy = session.exec(select(ListingCopy).where(ListingCopy.product_id == ring.id)).one()
        assert copy.title and set(copy.alt_texts) == {str(i.id) for i in images}
        for image in session.exec(
            select(GeneratedImage).where(GeneratedImage.product_id == ring.id)
        ):
            image.status = ImageStatus.APPROVED
            session.add(image)

    before = adorn_media(sandbox, ring.remote_id)
    first = done(api.enqueue_publish(_id(ring.id), ["shopify"]))
    assert first.state == "finished", first.error
    published = _publications(engine, _id(ring.id))
    assert len(published) == 2
    assert all(p.status == PublicationStatus.PUBLISHED and p.remote_image_id for p in published)
    on_store = adorn_media(sandbox, ring.remote_id)
    assert sorted(on_store) == sorted(p.remote_image_id or "" for p in published)
    assert not set(before) & set(on_store)  # adorn's earlier images (other tests') replaced

    again = done(api.enqueue_publish(_id(ring.id), ["shopify"]))
    assert again.state == "finished", again.error
    assert adorn_media(sandbox, ring.remote_id) == on_store  # nothing sent twice
    assert [(p.id, p.remote_image_id) for p in _publications(engine, _id(ring.id))] == [
        (p.id, p.remote_image_id) for p in published
    ]


def test_a_redelivered_webhook_is_handled_once(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id = install_shop(sandbox, in_process, auto_generate=False)
    assert done(api.enqueue_sync(shop_id)).state == "finished"
    with session_scope(engine) as session:
        product = session.exec(select(Product).where(Product.shop_id == shop_id)).first()
        assert product is not None
    payload = {"admin_graphql_api_id": product.remote_id}
    at = datetime.now(UTC)
    first = api.enqueue_webhook(sandbox.shop_domain, "products/delete", "event-1", at, payload)
    second = api.enqueue_webhook(sandbox.shop_domain, "products/delete", "event-1", at, payload)
    assert first is not None and second is None
    assert done(first).state == "finished"
    with session_scope(engine) as session:
        assert session.get(Product, product.id).deleted_at is not None  # type: ignore[union-attr]
        event = session.exec(select(WebhookEvent)).one()
        assert event.processed_at is not None


def test_a_stale_webhook_changes_nothing_and_a_newer_one_syncs(
    sandbox: SandboxStores, in_process: Settings, engine: Engine
) -> None:
    shop_id = install_shop(sandbox, in_process, auto_generate=False)
    assert done(api.enqueue_sync(shop_id)).state == "finished"
    with session_scope(engine) as session:
        product = session.exec(select(Product).where(Product.shop_id == shop_id)).first()
        assert product is not None and product.remote_updated_at is not None
    stored_at, payload = product.remote_updated_at, {"admin_graphql_api_id": product.remote_id}
    state = sandbox.shopify_state
    with state.lock:
        remote = state.shops[sandbox.shop_domain].products[product.remote_id]
        title = remote.title
        remote.title, remote.updated_at = f"{title} (renamed)", datetime.now(UTC)
    try:
        stale = api.enqueue_webhook(
            sandbox.shop_domain,
            "products/update",
            "stale-1",
            stored_at - timedelta(seconds=1),
            payload,
        )
        assert stale is not None and done(stale).state == "finished"
        assert _title(engine, _id(product.id)) == title

        fresh = api.enqueue_webhook(
            sandbox.shop_domain, "products/update", "fresh-1", datetime.now(UTC), payload
        )
        assert fresh is not None and done(fresh).state == "finished"
        assert _title(engine, _id(product.id)) == f"{title} (renamed)"
    finally:
        with state.lock:
            remote.title = title


def _title(engine: Engine, product_id: int) -> str:
    with session_scope(engine) as session:
        product = session.get(Product, product_id)
        assert product is not None
        return product.title


def done(job_id: str) -> api.JobStatus:
    """The job's status once the job thread is idle again (every job enqueued so far has run)."""
    assert api.wait_for_idle(timeout_s=600), "in-process jobs did not finish"
    return api.job_status(job_id)


def _publications(engine: Engine, product_id: int) -> list[Publication]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Publication)
                .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
                .where(GeneratedImage.product_id == product_id)
                .order_by(col(Publication.id))
            )
        )


def _id(row_id: int | None) -> int:
    assert row_id is not None
    return row_id
