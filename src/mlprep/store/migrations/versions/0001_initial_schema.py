"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:29:47.835025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mlprep.store.columns

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_entries_id")),
    )
    op.create_table(
        "channel_counters",
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("tip_pick_up", sa.BigInteger(), nullable=False),
        sa.Column("tip_eject", sa.BigInteger(), nullable=False),
        sa.Column("aspirate", sa.BigInteger(), nullable=False),
        sa.Column("dispense", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_tip_pick_up", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_tip_eject", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_aspirate", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_dispense", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("instrument_id", "channel", name=op.f("pk_channel_counters")),
    )
    op.create_table(
        "instrument_settings",
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("uv_interval", sa.String(length=32), nullable=False),
        sa.Column("catalogue_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("instrument_id", name=op.f("pk_instrument_settings")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", mlprep.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_attempts")),
    )
    op.create_table(
        "procedures",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("info", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column(
            "last_execution_time", mlprep.store.columns.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("catalogue_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("instrument_id", "key", name="uq_procedures_instrument_key"),
    )
    op.create_table(
        "protocol_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_runs")),
    )
    with op.batch_alter_table("protocol_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protocol_runs_instrument_ended", ["instrument_id", "ended_at"], unique=False
        )

    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("expires_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("user_name_folded", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("user_name", name=op.f("uq_users_user_name")),
        sa.UniqueConstraint("user_name_folded", name=op.f("uq_users_user_name_folded")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("abort_requested", sa.Boolean(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_runs_procedure_id_procedures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_instrument_seq", ["instrument_id", "seq"], unique=False)

    op.create_table(
        "maintenance_errors",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.String(length=32), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("recovery", sa.String(length=16), nullable=False),
        sa.Column("raised_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_maintenance_errors_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_errors")),
    )
    with op.batch_alter_table("maintenance_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_errors_run_id"), ["run_id"], unique=False)

    op.create_table(
        "views",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("image_name", sa.String(length=200), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("input_required", sa.Boolean(), nullable=False),
        sa.Column("error_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", mlprep.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("input", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_views_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_views")),
    )
    with op.batch_alter_table("views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_views_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_views_run_id"))

    op.drop_table("views")
    with op.batch_alter_table("maintenance_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_errors_run_id"))

    op.drop_table("maintenance_errors")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_instrument_seq")

    op.drop_table("runs")
    op.drop_table("users")
    op.drop_table("revoked_tokens")
    with op.batch_alter_table("protocol_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_protocol_runs_instrument_ended")

    op.drop_table("protocol_runs")
    op.drop_table("procedures")
    op.drop_table("login_attempts")
    op.drop_table("instrument_settings")
    op.drop_table("channel_counters")
    op.drop_table("audit_entries")
