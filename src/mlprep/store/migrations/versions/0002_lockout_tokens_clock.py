"""user token generations, name-only login counters, the simulated clock's state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("instrument_settings") as batch:
        batch.add_column(
            sa.Column("clock_offset_us", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("clock_speed", sa.Float(), nullable=True))
    # Client addresses are no longer locked (only user names are): forget their counters.
    op.execute("DELETE FROM login_attempts WHERE key LIKE 'client:%'")


def downgrade() -> None:
    with op.batch_alter_table("instrument_settings") as batch:
        batch.drop_column("clock_speed")
        batch.drop_column("clock_offset_us")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
