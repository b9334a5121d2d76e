"""The initial schema: shops and everything they own, and the webhook dedupe log.

Revision ID: 0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _enum(check_name: str, *values: str) -> sa.Enum:
    # Frozen here rather than imported from models.enums: a migration must not change later.
    return sa.Enum(*values, name=op.f(check_name), native_enum=False, create_constraint=True)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "shops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", _enum("ck_shops_platform", "shopify", "etsy"), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("tokens_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_generate", sa.Boolean(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_shops"),
        sa.UniqueConstraint("platform", "remote_id", name="uq_shops_platform_remote_id"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_domain", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.UniqueConstraint("event_id", name="uq_webhook_events_event_id"),
    )
    op.create_index("ix_webhook_events_shop_domain", "webhook_events", ["shop_domain"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("handle", sa.String(), nullable=True),
        sa.Column("product_type", sa.String(), nullable=False),
        sa.Column("jewelry_type", sa.String(), nullable=True),
        sa.Column("metal", sa.String(), nullable=True),
        sa.Column("stones", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("size_text", sa.String(), nullable=True),
        sa.Column("physical_spec", sa.JSON(), nullable=True),
        sa.Column("remote_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            _enum(
                "ck_products_product_status",
                "new",
                "ready",
                "generating",
                "review",
                "published",
                "archived",
            ),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name="fk_products_shop_id_shops", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("shop_id", "remote_id", name="uq_products_shop_id_remote_id"),
    )
    op.create_index("ix_products_shop_id_status", "products", ["shop_id", "status"])
    op.create_table(
        "source_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("local_path", sa.String(), nullable=True),
        sa.Column("inspection", sa.JSON(), nullable=True),
        sa.Column("grade", sa.String(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_source_photos"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_source_photos_product_id_products",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "product_id", "remote_id", name="uq_source_photos_product_id_remote_id"
        ),
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("photo_path", sa.String(), nullable=False),
        sa.Column("annotation", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_templates"),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name="fk_templates_shop_id_shops", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("shop_id", "name", name="uq_templates_shop_id_name"),
    )
    op.create_index(
        "uq_templates_library_name",
        "templates",
        ["name"],
        unique=True,
        sqlite_where=sa.text("shop_id IS NULL"),
        postgresql_where=sa.text("shop_id IS NULL"),
    )
    op.create_table(
        "presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("jewelry_type", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("template_names", sa.JSON(), nullable=False),
        sa.Column("background_style", sa.String(), nullable=False),
        sa.Column("light_direction_deg", sa.Float(), nullable=True),
        sa.Column("crop_ratio", sa.String(), nullable=False),
        sa.Column("variations", sa.Integer(), nullable=False),
        sa.Column("target_tier", sa.String(), nullable=False),
        sa.Column("auto_publish", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_presets"),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name="fk_presets_shop_id_shops", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "shop_id", "jewelry_type", "name", name="uq_presets_shop_id_jewelry_type_name"
        ),
    )
    op.create_table(
        "generation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("preset_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            _enum("ck_generation_runs_run_status", "queued", "running", "done", "failed"),
            nullable=False,
        ),
        sa.Column("job_id", sa.String(), nullable=True),
        sa.Column("base_seed", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_generation_runs"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_generation_runs_product_id_products",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["preset_id"],
            ["presets.id"],
            name="fk_generation_runs_preset_id_presets",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_generation_runs_product_id", "generation_runs", ["product_id"])
    op.create_index("ix_generation_runs_preset_id", "generation_runs", ["preset_id"])
    op.create_table(
        "generated_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variation_index", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("template_name", sa.String(), nullable=False),
        sa.Column("tier", sa.String(), nullable=True),
        sa.Column("qa_report", sa.JSON(), nullable=False),
        sa.Column("render_path", sa.String(), nullable=False),
        sa.Column("overlay_path", sa.String(), nullable=True),
        sa.Column("scale_nudge", sa.Float(), nullable=False),
        sa.Column("offset_nudge_mm", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            _enum("ck_generated_images_image_status", "pending", "approved", "rejected"),
            nullable=False,
        ),
        sa.Column("alt_text", sa.String(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_generated_images"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["generation_runs.id"],
            name="fk_generated_images_run_id_generation_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_generated_images_product_id_products",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "run_id", "variation_index", name="uq_generated_images_run_id_variation_index"
        ),
    )
    op.create_index("ix_generated_images_product_id", "generated_images", ["product_id"])
    op.create_table(
        "listing_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("alt_texts", sa.JSON(), nullable=False),
        sa.Column(
            "source", _enum("ck_listing_copies_copy_source", "openai", "offline"), nullable=False
        ),
        sa.Column("edited", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_listing_copies"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_listing_copies_product_id_products",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("product_id", name="uq_listing_copies_product_id"),
    )
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generated_image_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("remote_image_id", sa.String(), nullable=True),
        sa.Column(
            "status",
            _enum(
                "ck_publications_publication_status",
                "pending",
                "uploading",
                "published",
                "failed",
                "removed",
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
        sa.ForeignKeyConstraint(
            ["generated_image_id"],
            ["generated_images.id"],
            name="fk_publications_generated_image_id_generated_images",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "generated_image_id",
            "destination",
            name="uq_publications_generated_image_id_destination",
        ),
    )


def downgrade() -> None:
    """Drop every table, dependants first."""
    for table in (
        "publications",
        "listing_copies",
        "generated_images",
        "generation_runs",
        "presets",
        "templates",
        "source_photos",
        "products",
        "webhook_events",
        "shops",
    ):
        op.drop_table(table)
