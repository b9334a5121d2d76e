"""Templates: the backdrop label a preset's background style chooses by, and the annotate job's
failure reason (templates are annotated by a job now, not inside the upload request).

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add templates.background_style (existing rows: studio) and templates.annotation_error."""
    with op.batch_alter_table("templates") as batch:
        batch.add_column(
            sa.Column("background_style", sa.String(), nullable=False, server_default="studio")
        )
        batch.add_column(sa.Column("annotation_error", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("templates") as batch:
        batch.drop_column("annotation_error")
        batch.drop_column("background_style")
