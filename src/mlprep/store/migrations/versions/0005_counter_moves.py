"""what each run moved on the channels' counters, for the console's chart of use

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mlprep.store.columns import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counter_moves",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("run_kind", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("tip_pick_up", sa.BigInteger(), nullable=False),
        sa.Column("tip_eject", sa.BigInteger(), nullable=False),
        sa.Column("aspirate", sa.BigInteger(), nullable=False),
        sa.Column("dispense", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_counter_moves_instrument_at", "counter_moves", ["instrument_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_counter_moves_instrument_at", table_name="counter_moves")
    op.drop_table("counter_moves")
