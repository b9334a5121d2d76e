"""The shop-scoped queries: isolation between shops, redaction, uninstall, webhook dedupe."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func
from sqlmodel import SQLModel, select

from models import queries
from models.db import session_scope
from models.enums import ImageStatus, ProductStatus, ShopPlatform
from models.tables import (
    GeneratedImage,
    GenerationRun,
    ListingCopy,
    Preset,
    Product,
    Publication,
    Shop,
    SourcePhoto,
    Template,
    WebhookEvent,
)

if TYPE_CHECKING:
    from conftest import ShopGraph

OWNED_ROWS: dict[type[SQLModel], str] = {
    Shop: "shop_id",
    Product: "product_id",
    SourcePhoto: "photo_id",
    Template: "template_id",
    Preset: "preset_id",
    GenerationRun: "run_id",
    GeneratedImage: "image_id",
    ListingCopy: "copy_id",
    Publication: "publication_id",
}


def _rows_present(engine: Engine, graph: ShopGraph) -> dict[str, bool]:
    with session_scope(engine) as session:
        return {
            table.__name__: session.get(table, getattr(graph, field)) is not None
            for table, field in OWNED_ROWS.items()
        }


def test_one_shop_cannot_read_another_shops_objects(
    two_shops: tuple[ShopGraph, ShopGraph], engine: Engine
) -> None:
    mine, theirs = two_shops
    with session_scope(engine) as session:
        for shop, other in ((mine, theirs), (theirs, mine)):
            assert queries.get_product(session, shop.shop_id, shop.product_id) is not None
            assert queries.get_product(session, shop.shop_id, other.product_id) is None
            assert queries.get_run(session, shop.shop_id, other.run_id) is None
            assert queries.get_generated_image(session, shop.shop_id, other.image_id) is None
            assert queries.get_listing_copy(session, shop.shop_id, other.product_id) is None
            assert queries.get_preset(session, shop.shop_id, other.preset_id) is None
            assert queries.get_publication(session, shop.shop_id, other.image_id, "shopify") is None
            assert queries.list_source_photos(session, shop.shop_id, other.product_id) == []
            assert queries.list_generated_images(session, shop.shop_id, other.product_id) == []
            # Both shops' products share a remote id; each shop sees only its own.
            by_remote = queries.get_product_by_remote_id(
                session, shop.shop_id, "gid://shopify/Product/1"
            )
            assert by_remote is not None and by_remote.id == shop.product_id
            assert [p.id for p in queries.list_products(session, shop.shop_id)] == [shop.product_id]
            assert [p.id for p in queries.list_presets(session, shop.shop_id)] == [shop.preset_id]
            assert [t.id for t in queries.list_templates(session, shop.shop_id)] == [
                shop.template_id
            ]
            run = queries.get_run(session, shop.shop_id, shop.run_id)
            image = queries.get_generated_image(session, shop.shop_id, shop.image_id)
            copy = queries.get_listing_copy(session, shop.shop_id, shop.product_id)
            publication = queries.get_publication(session, shop.shop_id, shop.image_id, "shopify")
            assert run is not None and run.id == shop.run_id
            assert image is not None and image.id == shop.image_id
            assert copy is not None and copy.id == shop.copy_id
            assert publication is not None and publication.id == shop.publication_id


def test_deleting_a_shop_removes_all_of_it_and_nothing_else(
    two_shops: tuple[ShopGraph, ShopGraph], engine: Engine
) -> None:
    doomed, kept = two_shops
    with session_scope(engine) as session:
        assert queries.record_webhook_event(
            session, "one.myshopify.com", "evt-1", "shop/redact", None
        )
        paths = queries.shop_file_paths(session, doomed.shop_id)
    assert paths == [
        "one.myshopify.com/ear.png",
        "one.myshopify.com/overlay-0.png",
        "one.myshopify.com/render-0.png",
        "one.myshopify.com/source-1.jpg",
    ]
    with session_scope(engine) as session:
        counts = queries.delete_shop_data(session, doomed.shop_id)
    assert counts == {
        "shops": 1,
        "products": 1,
        "source_photos": 1,
        "generation_runs": 1,
        "generated_images": 1,
        "listing_copies": 1,
        "publications": 1,
        "presets": 1,
        "templates": 1,
    }
    assert not any(_rows_present(engine, doomed).values())
    assert all(_rows_present(engine, kept).values())
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == 1
        assert queries.delete_shop_data(session, doomed.shop_id)["shops"] == 0


def test_deleting_a_preset_keeps_its_runs(
    two_shops: tuple[ShopGraph, ShopGraph], engine: Engine
) -> None:
    graph, _ = two_shops
    with session_scope(engine) as session:
        preset = queries.get_preset(session, graph.shop_id, graph.preset_id)
        session.delete(preset)
    with session_scope(engine) as session:
        run = queries.get_run(session, graph.shop_id, graph.run_id)
        assert run is not None and run.preset_id is None


def test_library_templates_are_shared_and_a_shops_own_wins(
    two_shops: tuple[ShopGraph, ShopGraph], engine: Engine
) -> None:
    mine, theirs = two_shops
    with session_scope(engine) as session:
        session.add_all(
            [
                Template(name="ear-1", region="ear", photo_path="lib/ear.png", source="sample"),
                Template(name="neck-1", region="neck", photo_path="lib/neck.png", source="sample"),
            ]
        )
    with session_scope(engine) as session:
        own = queries.get_template(session, mine.shop_id, "ear-1")
        library = queries.get_template(session, mine.shop_id, "neck-1")
        assert own is not None and own.id == mine.template_id
        assert library is not None and library.shop_id is None
        names = [(t.name, t.shop_id) for t in queries.list_templates(session, theirs.shop_id)]
        assert names == [("ear-1", theirs.shop_id), ("ear-1", None), ("neck-1", None)]
        assert queries.get_template(session, mine.shop_id, "hand-1") is None


def test_list_products_filters(engine: Engine) -> None:
    with session_scope(engine) as session:
        shop = queries.save_installed_shop(
            session,
            platform=ShopPlatform.ETSY,
            remote_id="98765",
            name="Atelier",
            scopes=["listings_r", "listings_w"],
            tokens_encrypted=b"blob",
        )
        assert shop.id is not None
        session.add_all(
            [
                Product(shop_id=shop.id, remote_id="1", title="a", jewelry_type="ring"),
                Product(
                    shop_id=shop.id,
                    remote_id="2",
                    title="b",
                    jewelry_type="ring",
                    status=ProductStatus.REVIEW,
                ),
                Product(shop_id=shop.id, remote_id="3", title="c", jewelry_type="necklace"),
                Product(
                    shop_id=shop.id,
                    remote_id="4",
                    title="d",
                    jewelry_type="ring",
                    deleted_at=datetime.now(UTC),
                ),
            ]
        )
    with session_scope(engine) as session:

        def titles(**filters: object) -> list[str]:
            return [p.title for p in queries.list_products(session, shop.id, **filters)]  # type: ignore[arg-type]

        assert titles() == ["a", "b", "c"]
        assert titles(jewelry_type="ring") == ["a", "b"]
        assert titles(status=ProductStatus.REVIEW) == ["b"]
        assert titles(jewelry_type="ring", include_deleted=True) == ["a", "b", "d"]


def test_uninstall_and_reinstall(engine: Engine) -> None:
    with session_scope(engine) as session:
        shop = queries.save_installed_shop(
            session,
            platform=ShopPlatform.SHOPIFY,
            remote_id="re.myshopify.com",
            name="Re",
            scopes=["read_products"],
            tokens_encrypted=b"first",
        )
        shop_id = shop.id
        assert shop_id is not None
    with session_scope(engine) as session:
        assert queries.mark_uninstalled(session, shop_id)
        assert not queries.mark_uninstalled(session, shop_id + 1000)
    with session_scope(engine) as session:
        gone = session.get(Shop, shop_id)
        assert (
            gone is not None and gone.uninstalled_at is not None and gone.tokens_encrypted is None
        )
        again = queries.save_installed_shop(
            session,
            platform=ShopPlatform.SHOPIFY,
            remote_id="re.myshopify.com",
            name="Re",
            scopes=["read_products", "write_products"],
            tokens_encrypted=b"second",
        )
        assert again.id == shop_id
        assert again.uninstalled_at is None and again.tokens_encrypted == b"second"
        assert again.installed_at > gone.created_at
        # The same remote id on the other platform is a different shop.
        other = queries.save_installed_shop(
            session,
            platform=ShopPlatform.ETSY,
            remote_id="re.myshopify.com",
            name="x",
            scopes=[],
            tokens_encrypted=b"t",
        )
        assert other.id != shop_id
    with session_scope(engine) as session:
        found = queries.find_shop(session, ShopPlatform.SHOPIFY, "re.myshopify.com")
        assert found is not None and found.scopes == ["read_products", "write_products"]


def test_a_duplicate_webhook_leaves_the_callers_work_intact(engine: Engine) -> None:
    triggered = datetime(2025, 7, 1, 12, tzinfo=UTC)
    with session_scope(engine) as session:
        assert queries.record_webhook_event(
            session, "a.myshopify.com", "e-1", "products/create", triggered
        )
    with session_scope(engine) as session:
        session.add(Shop(platform=ShopPlatform.SHOPIFY, remote_id="a.myshopify.com", name="a"))
        assert not queries.record_webhook_event(
            session, "a.myshopify.com", "e-1", "products/create", triggered
        )
        assert queries.record_webhook_event(
            session, "a.myshopify.com", "e-2", "products/update", None
        )
    with session_scope(engine) as session:
        assert queries.find_shop(session, ShopPlatform.SHOPIFY, "a.myshopify.com") is not None
        events = session.exec(select(WebhookEvent).order_by(WebhookEvent.event_id)).all()
        assert [(e.event_id, e.triggered_at) for e in events] == [("e-1", triggered), ("e-2", None)]


def test_concurrent_deliveries_of_one_webhook_record_it_once(engine: Engine) -> None:
    """Two sessions insert the same event id at once; each holds its transaction open a moment,
    so the second insert meets the first while it is still uncommitted."""
    event_ids = [f"race-{n}" for n in range(8)]
    barrier = threading.Barrier(2)

    def deliver(event_id: str) -> bool:
        with session_scope(engine) as session:
            barrier.wait(timeout=10)
            recorded = queries.record_webhook_event(
                session, "r.myshopify.com", event_id, "products/update", None
            )
            time.sleep(0.05)
            return recorded

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = {
            event_id: sorted(pool.map(deliver, [event_id, event_id])) for event_id in event_ids
        }
    assert outcomes == {event_id: [False, True] for event_id in event_ids}
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(WebhookEvent)).one() == len(event_ids)


def test_json_changes_need_a_new_value(
    two_shops: tuple[ShopGraph, ShopGraph], engine: Engine
) -> None:
    """Documents the contract in models.tables: reassign JSON fields, do not mutate them."""
    graph, _ = two_shops
    with session_scope(engine) as session:
        image = queries.get_generated_image(session, graph.shop_id, graph.image_id)
        assert image is not None
        image.offset_nudge_mm = [0.5, -1.25]
        image.qa_report = {**image.qa_report, "scale_error_pct": 1.8}
        image.status = ImageStatus.APPROVED
    with session_scope(engine) as session:
        images = queries.list_generated_images(
            session, graph.shop_id, graph.product_id, status=ImageStatus.APPROVED
        )
        assert [(i.offset_nudge_mm, i.qa_report) for i in images] == [
            ([0.5, -1.25], {"scale_error_pct": 1.8})
        ]


def test_every_table_is_owned_or_deliberately_shared() -> None:
    """A new table must join the redaction and isolation tests above, or be shop-less on purpose."""
    covered = {table.__tablename__ for table in OWNED_ROWS} | {WebhookEvent.__tablename__}
    assert covered == set(SQLModel.metadata.tables)
