"""The queries every caller uses. Each one takes the shop's id, so no object of one shop is ever
visible to another: an id that belongs to a different shop reads as missing (None)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from models.column_types import utc_now
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


def find_shop(session: Session, platform: ShopPlatform, remote_id: str) -> Shop | None:
    """The shop with this platform id (Shopify: myshopify domain; Etsy: shop_id), if known."""
    return session.exec(
        select(Shop).where(Shop.platform == platform, Shop.remote_id == remote_id)
    ).first()


def save_installed_shop(
    session: Session,
    *,
    platform: ShopPlatform,
    remote_id: str,
    name: str,
    scopes: Sequence[str],
    tokens_encrypted: bytes,
) -> Shop:
    """Create the shop on first install, or refresh it on a reinstall (keeping its data)."""
    shop = find_shop(session, platform, remote_id)
    if shop is None:
        shop = Shop(platform=platform, remote_id=remote_id, name=name)
    elif shop.uninstalled_at is not None:
        shop.installed_at = utc_now()
        shop.uninstalled_at = None
    shop.name = name
    shop.scopes = list(scopes)
    shop.tokens_encrypted = tokens_encrypted
    session.add(shop)
    session.flush()
    return shop


def mark_uninstalled(session: Session, shop_id: int) -> bool:
    """Record the uninstall and drop the tokens; False if there is no such shop.

    The shop's products and images stay until shop/redact (delete_shop_data).
    """
    shop = session.get(Shop, shop_id)
    if shop is None:
        return False
    shop.uninstalled_at = utc_now()
    shop.tokens_encrypted = None
    session.add(shop)
    session.flush()
    return True


def get_product(session: Session, shop_id: int, product_id: int) -> Product | None:
    """The shop's product with this id, or None (also when it belongs to another shop)."""
    return session.exec(
        select(Product).where(Product.shop_id == shop_id, Product.id == product_id)
    ).first()


def get_product_by_remote_id(session: Session, shop_id: int, remote_id: str) -> Product | None:
    """The shop's product with this platform id, or None."""
    return session.exec(
        select(Product).where(Product.shop_id == shop_id, Product.remote_id == remote_id)
    ).first()


def list_products(
    session: Session,
    shop_id: int,
    *,
    status: ProductStatus | None = None,
    jewelry_type: str | None = None,
    include_deleted: bool = False,
) -> list[Product]:
    """The shop's products in id order, optionally filtered by status and jewelry type."""
    query = select(Product).where(Product.shop_id == shop_id)
    if status is not None:
        query = query.where(Product.status == status)
    if jewelry_type is not None:
        query = query.where(Product.jewelry_type == jewelry_type)
    if not include_deleted:
        query = query.where(col(Product.deleted_at).is_(None))
    return list(session.exec(query.order_by(col(Product.id))))


def list_source_photos(session: Session, shop_id: int, product_id: int) -> list[SourcePhoto]:
    """A product's source photos in listing order; empty if the product is not the shop's."""
    query = (
        select(SourcePhoto)
        .join(Product, col(Product.id) == col(SourcePhoto.product_id))
        .where(Product.shop_id == shop_id, SourcePhoto.product_id == product_id)
        .order_by(col(SourcePhoto.position), col(SourcePhoto.id))
    )
    return list(session.exec(query))


def get_run(session: Session, shop_id: int, run_id: int) -> GenerationRun | None:
    """The shop's generation run with this id, or None."""
    query = (
        select(GenerationRun)
        .join(Product, col(Product.id) == col(GenerationRun.product_id))
        .where(Product.shop_id == shop_id, GenerationRun.id == run_id)
    )
    return session.exec(query).first()


def get_generated_image(session: Session, shop_id: int, image_id: int) -> GeneratedImage | None:
    """The shop's generated image with this id, or None."""
    query = (
        select(GeneratedImage)
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .where(Product.shop_id == shop_id, GeneratedImage.id == image_id)
    )
    return session.exec(query).first()


def list_generated_images(
    session: Session, shop_id: int, product_id: int, *, status: ImageStatus | None = None
) -> list[GeneratedImage]:
    """A product's generated images, newest run first, then by variation."""
    query = (
        select(GeneratedImage)
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .where(Product.shop_id == shop_id, GeneratedImage.product_id == product_id)
    )
    if status is not None:
        query = query.where(GeneratedImage.status == status)
    query = query.order_by(col(GeneratedImage.run_id).desc(), col(GeneratedImage.variation_index))
    return list(session.exec(query))


def get_publication(
    session: Session, shop_id: int, generated_image_id: int, destination: str
) -> Publication | None:
    """The shop's publication of an image at one destination, or None."""
    query = (
        select(Publication)
        .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .where(
            Product.shop_id == shop_id,
            Publication.generated_image_id == generated_image_id,
            Publication.destination == destination,
        )
    )
    return session.exec(query).first()


def get_listing_copy(session: Session, shop_id: int, product_id: int) -> ListingCopy | None:
    """The listing copy written for the shop's product, or None."""
    query = (
        select(ListingCopy)
        .join(Product, col(Product.id) == col(ListingCopy.product_id))
        .where(Product.shop_id == shop_id, ListingCopy.product_id == product_id)
    )
    return session.exec(query).first()


def get_preset(session: Session, shop_id: int, preset_id: int) -> Preset | None:
    """The shop's preset with this id, or None."""
    return session.exec(
        select(Preset).where(Preset.shop_id == shop_id, Preset.id == preset_id)
    ).first()


def list_presets(
    session: Session, shop_id: int, *, jewelry_type: str | None = None
) -> list[Preset]:
    """The shop's presets by jewelry type and name, optionally for one jewelry type."""
    query = select(Preset).where(Preset.shop_id == shop_id)
    if jewelry_type is not None:
        query = query.where(Preset.jewelry_type == jewelry_type)
    return list(session.exec(query.order_by(col(Preset.jewelry_type), col(Preset.name))))


def list_templates(session: Session, shop_id: int) -> list[Template]:
    """The templates the shop can use, by name: its own and the library-wide ones."""
    query = select(Template).where(
        or_(col(Template.shop_id) == shop_id, col(Template.shop_id).is_(None))
    )
    # The shop's own before the library's of the same name, on every backend's NULL ordering.
    query = query.order_by(col(Template.name), col(Template.shop_id).is_(None))
    return list(session.exec(query))


def get_template(session: Session, shop_id: int, name: str) -> Template | None:
    """The template called `name` for the shop: its own if it has one, else the library's."""
    query = (
        select(Template)
        .where(
            Template.name == name,
            or_(col(Template.shop_id) == shop_id, col(Template.shop_id).is_(None)),
        )
        .order_by(col(Template.shop_id).is_(None))  # False (the shop's own) sorts first
    )
    return session.exec(query).first()


def get_shop_template(session: Session, shop_id: int, name: str) -> Template | None:
    """The shop's own template called `name` (never the library's), or None."""
    query = select(Template).where(Template.shop_id == shop_id, Template.name == name)
    return session.exec(query).first()


def record_webhook_event(
    session: Session,
    shop_domain: str,
    event_id: str,
    topic: str,
    triggered_at: datetime | None,
) -> bool:
    """Record a webhook delivery; False if this event id was already recorded.

    Race-safe: it relies on the unique event id, not on a read first, so two deliveries handled
    at once record exactly one row. Commit soon after: on PostgreSQL a concurrent delivery of the
    same event waits on this transaction.
    """
    event = WebhookEvent(
        shop_domain=shop_domain, event_id=event_id, topic=topic, triggered_at=triggered_at
    )
    try:
        with session.begin_nested():  # a savepoint: a duplicate leaves the caller's work intact
            session.add(event)
    except IntegrityError:
        return False
    return True


def shop_file_paths(session: Session, shop_id: int) -> list[str]:
    """The local files adorn stored for the shop (photos, renders, overlays, its templates).

    Read them before delete_shop_data: the rows that name them go with the shop.
    """
    photo_paths = (
        select(SourcePhoto.local_path)
        .join(Product, col(Product.id) == col(SourcePhoto.product_id))
        .where(Product.shop_id == shop_id)
    )
    image_paths = (
        select(GeneratedImage.render_path, GeneratedImage.overlay_path)
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .where(Product.shop_id == shop_id)
    )
    template_paths = select(Template.photo_path).where(Template.shop_id == shop_id)
    paths = [*session.exec(photo_paths), *session.exec(template_paths)]
    for render_path, overlay_path in session.exec(image_paths):
        paths += [render_path, overlay_path]
    return sorted({path for path in paths if path})


def delete_shop_data(session: Session, shop_id: int) -> dict[str, int]:
    """Delete the shop and everything it owns (shop/redact); the row counts deleted, per table.

    The database's ON DELETE CASCADE does the deleting; run it in a session of its own, as
    objects of the shop already loaded into this session are not expired.
    """
    publications = (
        select(func.count())
        .select_from(Publication)
        .join(GeneratedImage, col(GeneratedImage.id) == col(Publication.generated_image_id))
        .join(Product, col(Product.id) == col(GeneratedImage.product_id))
        .where(Product.shop_id == shop_id)
    )
    counts = {
        "shops": session.exec(select(func.count()).where(Shop.id == shop_id)).one(),
        "products": session.exec(select(func.count()).where(Product.shop_id == shop_id)).one(),
        "source_photos": _count_product_children(session, shop_id, SourcePhoto),
        "generation_runs": _count_product_children(session, shop_id, GenerationRun),
        "generated_images": _count_product_children(session, shop_id, GeneratedImage),
        "listing_copies": _count_product_children(session, shop_id, ListingCopy),
        "publications": session.exec(publications).one(),
        "presets": session.exec(select(func.count()).where(Preset.shop_id == shop_id)).one(),
        "templates": session.exec(select(func.count()).where(Template.shop_id == shop_id)).one(),
    }
    session.exec(delete(Shop).where(col(Shop.id) == shop_id))
    return counts


def _count_product_children(
    session: Session,
    shop_id: int,
    table: type[SourcePhoto | GenerationRun | GeneratedImage | ListingCopy],
) -> int:
    query = (
        select(func.count())
        .select_from(table)
        .join(Product, col(Product.id) == col(table.product_id))
        .where(Product.shop_id == shop_id)
    )
    return session.exec(query).one()
