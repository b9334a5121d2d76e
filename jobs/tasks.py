"""The job functions. Each takes ids and plain values, reads its rows in its own session and can
run again safely: RQ retries a job that failed or whose worker died.

A job for a shop that is uninstalled (or gone) returns without doing anything.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from imaging.annotate import annotate_photo
from imaging.errors import ImagingError
from imaging.image_io import WORKING_LONG_EDGE_PX, load_image
from imaging.jewelry import BodyRegion
from imaging.render import RenderPipeline
from integrations.copywriter import ImageContext, facts_from_text, make_writer
from integrations.errors import StoreError
from integrations.records import ADORN_ALT_MARKER, PublishImage
from integrations.records import ListingCopy as CopyRecord
from integrations.store import StoreClient
from jobs import queues
from jobs.catalog import render_spec, upsert_product
from jobs.context import current
from jobs.generation import (
    approve_reaching_target,
    export_path,
    fetch_source,
    inspect_source,
    platforms_for,
    record_inspection,
    render_run,
    templates_for,
)
from jobs.locks import publication_lock
from jobs.storage import FileStorage
from jobs.stores import store_client_for
from models.column_types import utc_now
from models.db import session_scope
from models.enums import (
    CopySource,
    ImageStatus,
    ProductStatus,
    PublicationStatus,
    RunStatus,
    ShopPlatform,
)
from models.queries import (
    delete_shop_data,
    find_shop,
    get_listing_copy,
    get_preset,
    get_product_by_remote_id,
    get_shop_template,
    list_presets,
    list_source_photos,
    mark_uninstalled,
    shop_file_paths,
)
from models.tables import (
    GeneratedImage,
    GenerationRun,
    ListingCopy,
    Preset,
    Product,
    Publication,
    Shop,
    WebhookEvent,
)

log = logging.getLogger(__name__)

PRODUCT_TOPICS = ("products/create", "products/update")


def sync_shop(shop_id: int) -> int:
    """Upsert every product of the shop from its store; the number synced.

    New products are generated automatically when the shop has auto-generate on.
    """
    context = current()
    with session_scope(context.engine) as session:
        shop = _active_shop(session, shop_id)
        if shop is None:
            return 0
        store = store_client_for(shop, context.settings, session)
        shop.name = _shop_name(store) or shop.name
        session.add(shop)
        new_ids: list[int] = []
        count = 0
        for record in store.list_products():
            product, created = upsert_product(session, shop_id, record)
            count += 1
            if created:
                new_ids.append(_id(product.id))
            queues.report_progress(0.0, f"{count} products synced")
        auto_generate = shop.auto_generate
    if auto_generate:
        for product_id in new_ids:
            _enqueue_generate(product_id)
    return count


def sync_product(shop_id: int, remote_id: str) -> None:
    """Upsert one product from the store (a webhook or an Etsy poll saw it change)."""
    context = current()
    with session_scope(context.engine) as session:
        shop = _active_shop(session, shop_id)
        if shop is None:
            return
        record = store_client_for(shop, context.settings, session).get_product(remote_id)
        product, created = upsert_product(session, shop_id, record)
        generate = created and shop.auto_generate
        product_id = _id(product.id)
    if generate:
        _enqueue_generate(product_id)


def inspect_product(product_id: int) -> str | None:
    """Download the product's first photo, inspect it, store findings and grade; the grade."""
    context = current()
    with session_scope(context.engine) as session:
        product, shop = _active_product(session, product_id)
        if product is None or shop is None:
            return None
        photos = list_source_photos(session, shop.id or 0, product_id)
        if not photos:
            return None
        store = store_client_for(shop, context.settings, session)
        image = fetch_source(
            context.storage, store, photos[0], product, context.settings.max_source_pixels
        )
        record_inspection(photos[0], inspect_source(image))
        session.add(photos[0])
        return photos[0].grade


def generate_product(product_id: int, preset_id: int | None, base_seed: int | None) -> int | None:
    """Render the product's variations with the preset (by default the one for its type).

    All variations are rendered, refined together (on a GPU worker with a refine model) and then
    saved; a retry of the same job reuses its run and seeds and replaces its files and rows in
    place, so a worker killed mid-job loses nothing and duplicates nothing. Returns the run id.
    """
    context = current()
    job_id = queues.current_job_id()
    with session_scope(context.engine) as session:
        product, shop = _active_product(session, product_id)
        if product is None or shop is None:
            return None
        render_spec(product)  # fails early, with a clear message, without a jewelry type
        preset = _preset_for(session, product, preset_id)
        run = _run_for(session, product_id, preset, base_seed, job_id)
        photos = list_source_photos(session, _id(shop.id), product_id)
        if not photos:
            raise ValueError(f"product {product_id} has no photo to render")
        run.status, run.started_at, run.error = RunStatus.RUNNING, utc_now(), None
        product.status = ProductStatus.GENERATING
        session.add_all([run, product])
        session.commit()
        try:
            store = store_client_for(shop, context.settings, session)
            image = fetch_source(
                context.storage, store, photos[0], product, context.settings.max_source_pixels
            )
            templates = templates_for(
                session, context.storage, context.templates_dir, product, preset
            )
            pipeline = RenderPipeline(
                templates, platforms_for(preset.crop_ratio if preset else None)
            )
            variations = preset.variations if preset else context.settings.variations
            run.verdict = render_run(
                session,
                context.storage,
                run,
                photos[0],
                image,
                pipeline,
                product,
                variations,
                queues.report_progress,
                context.settings,
                light_direction_deg=preset.light_direction_deg if preset else None,
            )
        except Exception as error:
            session.rollback()
            run.status, run.error, run.finished_at = RunStatus.FAILED, str(error), utc_now()
            product.status = ProductStatus.READY
            session.add_all([run, product])
            session.commit()
            raise
        run.status, run.finished_at = RunStatus.DONE, utc_now()
        product.status = ProductStatus.REVIEW
        approved = approve_reaching_target(session, run, preset.target_tier) if preset else []
        publish_now = bool(approved) and preset is not None and preset.auto_publish
        destination = shop.platform.value
        session.add_all([run, product])
        run_id = run.id
    if publish_now:  # after the commit, so the publish job sees the approvals
        queues.report_progress(0.99, "publishing what reached the target tier")
        _enqueue_publish(product_id, [destination])
    queues.report_progress(1.0, "done")
    return run_id


def describe_product(product_id: int) -> None:
    """Write the product's listing copy (keeping the seller's own edits) with alt texts."""
    context = current()
    with session_scope(context.engine) as session:
        product, shop = _active_product(session, product_id)
        if product is None or shop is None:
            return
        existing = get_listing_copy(session, _id(shop.id), product_id)
        if existing is not None and existing.edited:
            return
        spec = render_spec(product)
        facts = facts_from_text(
            product.title,
            product.description_html,
            product.tags,
            spec.jewelry_type,
            {name: spec.get(name) for name in (product.physical_spec or {})},
        )
        images = _reviewable_images(session, product_id)
        settings = context.settings
        writer = make_writer(settings.openai_api_key, settings.openai_model)
        draft = writer.write(facts, [ImageContext(on_model=True) for _ in images])
        copy = existing or ListingCopy(
            product_id=product_id, title="", description_html="", source=CopySource.OFFLINE
        )
        copy.title, copy.description_html = draft.title, draft.description_html
        copy.tags = list(draft.tags)
        copy.alt_texts = {str(i.id): alt for i, alt in zip(images, draft.alt_texts, strict=False)}
        copy.source = CopySource(draft.writer)
        session.add(copy)


def publish_product(product_id: int, destinations: Sequence[str]) -> dict[str, list[str]]:
    """Publish the approved images (and the copy) to each destination; remote ids per destination.

    A destination where every approved image is already published, and nothing else is, is not
    sent anything again. Otherwise the whole approved set is sent: the store keeps images it
    already has and removes adorn's images no longer approved.
    """
    context = current()
    published: dict[str, list[str]] = {}
    with publication_lock(context.engine, product_id), session_scope(context.engine) as session:
        product, shop = _active_product(session, product_id)
        if product is None or shop is None:
            return published
        _check_destinations(shop, destinations)
        approved = list(
            session.exec(
                select(GeneratedImage)
                .where(
                    GeneratedImage.product_id == product_id,
                    GeneratedImage.status == ImageStatus.APPROVED,
                )
                .order_by(col(GeneratedImage.id))
            )
        )
        copy = get_listing_copy(session, _id(shop.id), product_id)
        store = store_client_for(shop, context.settings, session)
        for destination in destinations:
            publications = _publications(session, product_id, destination)
            if _all_published(approved, publications):
                published[destination] = [p.remote_image_id or "" for p in publications.values()]
                continue
            for image in approved:
                row = publications.get(_id(image.id)) or Publication(
                    generated_image_id=_id(image.id), destination=destination
                )
                row.status, row.error = PublicationStatus.UPLOADING, None
                publications[_id(image.id)] = row
                session.add(row)
            session.commit()  # a retry after a crash sees what was in flight
            to_send = [
                _publish_image(context.storage, product, image, copy, destination)
                for image in approved
            ]
            result = store.publish_images(product.remote_id, to_send)
            _record_result(publications, approved, to_send, result.image_ids, result.failures)
            if copy is not None:
                store.update_copy(
                    product.remote_id,
                    CopyRecord(copy.title, copy.description_html, tuple(copy.tags)),
                )
            published[destination] = list(result.image_ids)
            session.add_all(publications.values())
            session.commit()
        if approved:
            product.status = ProductStatus.PUBLISHED
            session.add(product)
    return published


def unpublish_product(product_id: int, destinations: Sequence[str]) -> dict[str, list[str]]:
    """Undo a publication: delete adorn's published images of the product from each destination
    and mark their publications removed; the remote ids deleted per destination.

    The seller's approvals stay, so publishing again puts the same images back. Only the ids
    adorn recorded are asked for, and the store deletes only images carrying adorn's marker.
    Running it again finds nothing published and sends nothing.
    """
    context = current()
    removed: dict[str, list[str]] = {}
    with publication_lock(context.engine, product_id), session_scope(context.engine) as session:
        product, shop = _active_product(session, product_id)
        if product is None or shop is None:
            return removed
        _check_destinations(shop, destinations)
        store = store_client_for(shop, context.settings, session)
        for destination in destinations:
            live = [
                row
                for row in _publications(session, product_id, destination).values()
                if row.status == PublicationStatus.PUBLISHED and row.remote_image_id
            ]
            if not live:
                removed[destination] = []
                continue
            remote_ids = [row.remote_image_id or "" for row in live]
            removed[destination] = list(store.remove_images(product.remote_id, remote_ids))
            for row in live:  # an id the store no longer had is gone all the same
                row.status, row.error = PublicationStatus.REMOVED, None
                session.add(row)
            session.commit()
        if product.status == ProductStatus.PUBLISHED:
            product.status = ProductStatus.REVIEW
            session.add(product)
    return removed


def annotate_template(shop_id: int, name: str, region: str, upload_path: str) -> bool:
    """Annotate an uploaded model photo (mediapipe) into the shop's template `name`; whether it
    worked. A photo adorn cannot annotate (no hand found, say) is not retried: the reason is
    kept on the template's row for the seller to read.
    """
    context = current()
    storage = context.storage
    with session_scope(context.engine) as session:
        if _active_shop(session, shop_id) is None:
            return False
        row = get_shop_template(session, shop_id, name)
        if row is None or row.photo_path != upload_path:
            return False  # deleted, or replaced by a newer upload with its own job
        queues.report_progress(0.1, "reading the photo")
        try:
            photo = load_image(
                storage.read(upload_path),
                context.settings.max_source_pixels,
                long_edge_cap=WORKING_LONG_EDGE_PX,
            )
            queues.report_progress(0.3, "finding the body and its scale")
            template = annotate_photo(photo.rgb, BodyRegion(region), name)
        except ImagingError as error:
            row.annotation, row.annotation_error = {}, str(error)
            session.add(row)
            return False
        session.refresh(row)  # the seller may have uploaded a newer photo meanwhile
        if row.photo_path != upload_path:
            return False
        folder = template_folder(shop_id)
        queues.report_progress(0.9, "saving the template")
        template.save(storage.path(folder))
        annotation = json.loads(template.annotation.to_json())
        row.photo_path = f"{folder}/{name}.png"
        row.annotation, row.annotation_error = annotation, None
        row.source = str(annotation.get("source", "auto"))
        session.add(row)
    storage.delete(upload_path)
    queues.report_progress(1.0, "done")
    return True


def template_folder(shop_id: int) -> str:
    """Where a shop's templates are stored (under the shop's folder, so redaction removes them)."""
    return f"{shop_id}/templates"


def handle_webhook(
    shop_domain: str,
    topic: str,
    payload: dict[str, Any],
    triggered_at: datetime,
    event_id: str | None = None,
) -> None:
    """Act on one Shopify webhook delivery (already verified and deduplicated by event id)."""
    context = current()
    if topic == "shop/redact":
        redact_shop(shop_domain)
    elif topic.startswith("customers/"):
        pass  # adorn stores nothing about customers: there is nothing to report or erase
    else:
        with session_scope(context.engine) as session:
            shop = find_shop(session, ShopPlatform.SHOPIFY, shop_domain)
            if shop is not None:
                _shop_webhook(session, shop, topic, payload, triggered_at)
    if event_id is not None:
        with session_scope(context.engine) as session:
            event = session.exec(
                select(WebhookEvent).where(WebhookEvent.event_id == event_id)
            ).first()
            if event is not None:
                event.processed_at = utc_now()
                session.add(event)


def redact_shop(shop_domain: str) -> None:
    """Delete every file and row of the shop (shop/redact): files first, so none is orphaned."""
    context = current()
    with session_scope(context.engine) as session:
        shop = find_shop(session, ShopPlatform.SHOPIFY, shop_domain)
        if shop is None:
            return
        shop_id = _id(shop.id)
        for path in shop_file_paths(session, shop_id):
            context.storage.delete(path)
        context.storage.delete_tree(str(shop_id))
    with session_scope(context.engine) as session:
        delete_shop_data(session, shop_id)


def poll_etsy_shops() -> int:
    """Enqueue a product sync per Etsy listing changed since each shop's last poll; the count."""
    context = current()
    changed: list[tuple[int, str]] = []
    with session_scope(context.engine) as session:
        shops = session.exec(
            select(Shop).where(
                Shop.platform == ShopPlatform.ETSY, col(Shop.uninstalled_at).is_(None)
            )
        ).all()
        for shop in shops:
            polled_at = utc_now()
            store = store_client_for(shop, context.settings, session)
            for record in store.list_products(updated_since=shop.last_polled_at):
                changed.append((_id(shop.id), record.remote_id))
            shop.last_polled_at = polled_at
            session.add(shop)
    for shop_id, remote_id in changed:
        queues.enqueue(
            sync_product,
            shop_id,
            remote_id,
            queue=queues.DEFAULT_QUEUE,
            job_id=queues.sync_product_job_id(shop_id, remote_id),
        )
    return len(changed)


def _shop_webhook(
    session: Session, shop: Shop, topic: str, payload: dict[str, Any], triggered_at: datetime
) -> None:
    shop_id = _id(shop.id)
    if topic == "app/uninstalled":
        mark_uninstalled(session, shop_id)
        return
    if shop.uninstalled_at is not None:
        return
    remote_id = str(payload.get("admin_graphql_api_id") or f"gid://shopify/Product/{payload['id']}")
    product = get_product_by_remote_id(session, shop_id, remote_id)
    if topic == "products/delete":
        if product is not None:
            product.deleted_at, product.status = utc_now(), ProductStatus.ARCHIVED
            session.add(product)
    elif topic in PRODUCT_TOPICS:
        stored_at = product.remote_updated_at if product else None
        if stored_at is not None and triggered_at <= stored_at:
            return  # stale: the stored product is newer than this event
        session.commit()
        sync_product(shop_id, remote_id)
    else:
        log.info("webhook topic %s for %s ignored", topic, shop.remote_id)


def _check_destinations(shop: Shop, destinations: Sequence[str]) -> None:
    for destination in destinations:
        if destination != shop.platform.value:
            raise ValueError(
                f"{shop.remote_id} is a {shop.platform.value} shop: cannot publish to {destination}"
            )


def _shop_name(store: StoreClient) -> str | None:
    """The shop's name on its platform; None when the platform does not answer (kept as is)."""
    try:
        return store.shop_name().strip() or None
    except StoreError as error:
        log.warning("could not read the shop's name: %s", error)
        return None


def _active_shop(session: Session, shop_id: int) -> Shop | None:
    shop = session.get(Shop, shop_id)
    if shop is None or shop.uninstalled_at is not None:
        log.info("shop %s is gone or uninstalled: job skipped", shop_id)
        return None
    return shop


def _active_product(session: Session, product_id: int) -> tuple[Product | None, Shop | None]:
    product = session.get(Product, product_id)
    if product is None or product.deleted_at is not None:
        return None, None
    shop = _active_shop(session, product.shop_id)
    return (product, shop) if shop is not None else (None, None)


def _preset_for(session: Session, product: Product, preset_id: int | None) -> Preset | None:
    if preset_id is not None:
        preset = get_preset(session, product.shop_id, preset_id)
        if preset is None:
            raise ValueError(f"preset {preset_id} is not one of this shop's presets")
        return preset
    presets = list_presets(session, product.shop_id, jewelry_type=product.jewelry_type)
    return presets[0] if presets else None


def _run_for(
    session: Session,
    product_id: int,
    preset: Preset | None,
    base_seed: int | None,
    job_id: str | None,
) -> GenerationRun:
    """The run this job started before (a retry), or a new one."""
    if job_id is not None:
        unfinished = session.exec(
            select(GenerationRun).where(
                GenerationRun.product_id == product_id,
                GenerationRun.job_id == job_id,
                col(GenerationRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING]),
            )
        ).first()
        if unfinished is not None:
            return unfinished
    run = GenerationRun(
        product_id=product_id,
        preset_id=preset.id if preset else None,
        job_id=job_id,
        base_seed=base_seed if base_seed is not None else secrets.randbits(40),
    )
    session.add(run)
    session.flush()
    return run


def _reviewable_images(session: Session, product_id: int) -> list[GeneratedImage]:
    return list(
        session.exec(
            select(GeneratedImage)
            .where(
                GeneratedImage.product_id == product_id,
                GeneratedImage.status != ImageStatus.REJECTED,
            )
            .order_by(col(GeneratedImage.id))
        )
    )


def _publications(session: Session, product_id: int, destination: str) -> dict[int, Publication]:
    rows = session.exec(
        select(Publication)
        .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
        .where(GeneratedImage.product_id == product_id, Publication.destination == destination)
    )
    return {row.generated_image_id: row for row in rows}


def _all_published(approved: list[GeneratedImage], publications: dict[int, Publication]) -> bool:
    live = {
        image_id
        for image_id, row in publications.items()
        if row.status == PublicationStatus.PUBLISHED
    }
    return bool(approved) and live == {_id(image.id) for image in approved}


def _publish_image(
    storage: FileStorage,
    product: Product,
    image: GeneratedImage,
    copy: ListingCopy | None,
    destination: str,
) -> PublishImage:
    alt = (copy.alt_texts.get(str(image.id)) if copy else None) or image.alt_text
    alt = alt or f"{product.title} worn by a model"
    return PublishImage(
        data=storage.read(export_path(image, destination)),
        filename=f"adorn-{product.id}-{image.id}.jpg",
        alt_text=alt if ADORN_ALT_MARKER in alt else f"{alt} {ADORN_ALT_MARKER}",
    )


def _record_result(
    publications: dict[int, Publication],
    approved: list[GeneratedImage],
    sent: list[PublishImage],
    image_ids: Sequence[str],
    failures: Sequence[str],
) -> None:
    """Match the remote ids (in the order sent, refused images left out) to their rows."""
    remote_ids = iter(image_ids)
    approved_ids = {_id(image.id) for image in approved}
    for image, sent_image in zip(approved, sent, strict=True):
        row = publications[_id(image.id)]
        failure = next((f for f in failures if f.startswith(f"{sent_image.filename}:")), None)
        if failure is not None:
            row.status, row.error = PublicationStatus.FAILED, failure
            continue
        row.remote_image_id = next(remote_ids)
        row.status, row.published_at = PublicationStatus.PUBLISHED, datetime.now(UTC)
    for image_id, row in publications.items():
        if image_id not in approved_ids and row.status == PublicationStatus.PUBLISHED:
            row.status = PublicationStatus.REMOVED


def _enqueue_generate(product_id: int) -> None:
    from jobs import api  # imported here: jobs.api imports this module

    api.enqueue_generate(product_id)


def _enqueue_publish(product_id: int, destinations: list[str]) -> None:
    from jobs import api  # imported here: jobs.api imports this module

    api.enqueue_publish(product_id, destinations)


def _id(row_id: int | None) -> int:
    assert row_id is not None, "rows read from the database have ids"
    return row_id
