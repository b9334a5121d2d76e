"""adorn's tables. Everything a shop owns hangs off `shops` with ON DELETE CASCADE.

JSON columns are not mutation-tracked: assign a new list or dict to change one
(`product.tags = [*product.tags, "gold"]`), never mutate it in place.
The schema is created by the Alembic migrations in models/migrations, never by `create_all`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.column_types import UTCDateTime, enum_type, utc_now
from models.enums import (
    CopySource,
    ImageStatus,
    ProductStatus,
    PublicationStatus,
    RunStatus,
    ShopPlatform,
)

# Deterministic constraint names, so migrations can refer to them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A Python None in a nullable JSON column is stored as SQL NULL, not as the JSON text 'null'.
NULLABLE_JSON = JSON(none_as_null=True)


class Timestamped(SQLModel):
    """created_at and updated_at, both timezone-aware UTC."""

    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utc_now, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utc_now}
    )


class Shop(Timestamped, table=True):
    """An installed (or formerly installed) Shopify or Etsy shop."""

    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "remote_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: ShopPlatform = Field(sa_type=enum_type(ShopPlatform, "platform"))
    # Shopify: the shop's myshopify.com domain; Etsy: the numeric shop_id as text.
    remote_id: str
    name: str
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    # The Fernet blob of a TokenSet (integrations.tokens); None once uninstalled.
    tokens_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    installed_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    auto_generate: bool = True
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Product(Timestamped, table=True):
    """A product synced from the shop, with the attributes generation and copy rely on."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "remote_id"),
        Index("ix_products_shop_id_status", "shop_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    remote_id: str
    title: str
    handle: str | None = None
    product_type: str = ""
    jewelry_type: str | None = None
    metal: str | None = None
    stones: list[str] = Field(default_factory=list, sa_type=JSON)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    description_html: str = Field(default="", sa_type=Text)
    options: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    size_text: str | None = None
    # The sizes in mm parsed from the product's text, e.g. {"chain_length_mm": 450.0}.
    physical_spec: dict[str, Any] | None = Field(default=None, sa_type=NULLABLE_JSON)
    # Compared with a webhook's triggered-at time so stale payloads change nothing.
    remote_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: ProductStatus = Field(
        default=ProductStatus.NEW, sa_type=enum_type(ProductStatus, "product_status")
    )
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SourcePhoto(Timestamped, table=True):
    """One of a product's photos in the shop, and adorn's inspection of it."""

    __tablename__ = "source_photos"
    __table_args__ = (UniqueConstraint("product_id", "remote_id"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE")
    remote_id: str
    url: str = Field(sa_type=Text)
    position: int = 0
    width: int | None = None
    height: int | None = None
    local_path: str | None = None
    inspection: dict[str, Any] | None = Field(default=None, sa_type=NULLABLE_JSON)
    grade: str | None = None


class Template(Timestamped, table=True):
    """A model photo jewelry is placed on; shop_id None means the library-wide set."""

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("shop_id", "name"),
        # NULLs are distinct in a unique constraint, so library-wide names need their own index.
        Index(
            "uq_templates_library_name",
            "name",
            unique=True,
            sqlite_where=text("shop_id IS NULL"),
            postgresql_where=text("shop_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int | None = Field(default=None, foreign_key="shops.id", ondelete="CASCADE")
    name: str
    region: str
    photo_path: str
    # Empty while the annotate job runs; annotation_error says why it failed, if it did.
    annotation: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    source: str
    # The photo's backdrop as the seller labels it (models.enums.BackgroundStyle): adorn never
    # repaints a background, so a preset's style chooses among the templates by this label.
    background_style: str = Field(default="studio", sa_column_kwargs={"server_default": "studio"})
    annotation_error: str | None = Field(default=None, sa_type=Text)


class Preset(Timestamped, table=True):
    """How a shop wants one jewelry type generated."""

    __tablename__ = "presets"
    __table_args__ = (UniqueConstraint("shop_id", "jewelry_type", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shops.id", ondelete="CASCADE")
    jewelry_type: str
    name: str
    template_names: list[str] = Field(default_factory=list, sa_type=JSON)
    background_style: str
    light_direction_deg: float | None = None
    crop_ratio: str  # "width:height", e.g. "4:5"
    variations: int = 3
    target_tier: str
    auto_publish: bool = False


class GenerationRun(Timestamped, table=True):
    """One generate job for a product: its seed, state and outcome."""

    __tablename__ = "generation_runs"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    # Deleting a preset keeps the history of what it generated.
    preset_id: int | None = Field(
        default=None, foreign_key="presets.id", ondelete="SET NULL", index=True
    )
    status: RunStatus = Field(default=RunStatus.QUEUED, sa_type=enum_type(RunStatus, "run_status"))
    job_id: str | None = None
    base_seed: int = Field(sa_type=BigInteger)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=Text)
    verdict: str | None = None


class GeneratedImage(Timestamped, table=True):
    """One variation a run rendered, with its QA report and the seller's decision."""

    __tablename__ = "generated_images"
    __table_args__ = (UniqueConstraint("run_id", "variation_index"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="generation_runs.id", ondelete="CASCADE")
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    variation_index: int
    seed: int = Field(sa_type=BigInteger)
    template_name: str
    tier: str | None = None
    qa_report: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    render_path: str
    overlay_path: str | None = None
    scale_nudge: float = 1.0
    offset_nudge_mm: list[float] = Field(default_factory=lambda: [0.0, 0.0], sa_type=JSON)
    status: ImageStatus = Field(
        default=ImageStatus.PENDING, sa_type=enum_type(ImageStatus, "image_status")
    )
    alt_text: str | None = None


class ListingCopy(Timestamped, table=True):
    """The title, description, tags and alt texts written for a product."""

    __tablename__ = "listing_copies"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", unique=True)
    title: str
    description_html: str = Field(sa_type=Text)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    # Generated image id (as text: JSON object keys are strings) -> alt text.
    alt_texts: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    source: CopySource = Field(sa_type=enum_type(CopySource, "copy_source"))
    edited: bool = False


class Publication(Timestamped, table=True):
    """A generated image at one destination: its remote id and upload state."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("generated_image_id", "destination"),)

    id: int | None = Field(default=None, primary_key=True)
    generated_image_id: int = Field(foreign_key="generated_images.id", ondelete="CASCADE")
    destination: str  # "shopify", "etsy", or an export target such as "dam"
    remote_image_id: str | None = None
    status: PublicationStatus = Field(
        default=PublicationStatus.PENDING,
        sa_type=enum_type(PublicationStatus, "publication_status"),
    )
    error: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEvent(SQLModel, table=True):
    """A webhook delivery seen, by its event id, so a redelivery is processed once.

    Not tied to a shop row: events can arrive for a shop being installed or already redacted.
    """

    __tablename__ = "webhook_events"

    id: int | None = Field(default=None, primary_key=True)
    shop_domain: str = Field(index=True)
    event_id: str = Field(unique=True)
    topic: str
    triggered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
