"""the error log: errors cleared from it (PUT /errors/clear-errors)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mlprep.store.columns import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_errors") as batch:
        batch.add_column(sa.Column("cleared_at", UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_errors") as batch:
        batch.drop_column("cleared_at")
