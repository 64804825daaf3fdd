"""The database schema. Alembic migrations (in `migrations/`) build it, and an empty database is
created from it directly at head (`store.database`); tests keep the two equal."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mlprep.store.columns import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_name", String(200), nullable=False, unique=True),
    Column("user_name_folded", String(200), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Moves on with each new password (and role): tokens of an earlier generation are refused.
    Column("token_generation", Integer, nullable=False, server_default="0"),
)

# Long-lived credentials for the CLI and CI, exchanged for tokens (auth/access_keys.py): only a
# keyed hash of each key's secret is kept. A user's keys go with the user.
access_keys = Table(
    "access_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "user_id",
        String(32),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("label", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("hint", String(8), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=True),
)

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(32), primary_key=True),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# A login session: the tokens of one login and its renewals. Its last use is kept in memory and
# written here now and then, so that the inactivity logout outlives a restart.
token_sessions = Table(
    "token_sessions",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column("user_id", String(32), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=False),
    # The latest expiry of the session's tokens: after it the row is of no more use.
    Column("expires_at", UtcDateTime(), nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    # "user:<folded name>"
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=True),
    Column("action", String(100), nullable=False),
    Column("target", String(300), nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("client", String(100), nullable=True),
    Column("detail", Text, nullable=True),
)

procedures = Table(
    "procedures",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("instrument_id", String(64), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("info", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("last_execution_time", UtcDateTime(), nullable=True),
    Column("catalogue_version", Integer, nullable=False),
    UniqueConstraint("instrument_id", "key", name="uq_procedures_instrument_key"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("instrument_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("procedure_id", String(32), ForeignKey("procedures.id"), nullable=False),
    Column("state", String(32), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("step_count", Integer, nullable=False),
    Column("started_by", String(200), nullable=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("abort_requested", Boolean, nullable=False),
    Column("inputs", JSON, nullable=False),
    Index("ix_runs_instrument_seq", "instrument_id", "seq"),
)

views = Table(
    "views",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False, index=True),
    # order within the run: timestamps tie when the simulated clock stands still
    Column("seq", Integer, nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("image_name", String(200), nullable=True),
    Column("results", JSON, nullable=False),
    Column("input_required", Boolean, nullable=False),
    Column("error_id", String(32), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("result", String(16), nullable=True),
    Column("input", Text, nullable=True),
    Column("closed_by", String(200), nullable=True),
)

maintenance_errors = Table(
    "maintenance_errors",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("procedure_id", String(32), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("channel", String(16), nullable=True),
    Column("response", Text, nullable=False),
    Column("recovery", String(16), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime(), nullable=True),
    # Set when the error left the error log (PUT /errors/clear-errors); the run keeps it.
    Column("cleared_at", UtcDateTime(), nullable=True),
)

channel_counters = Table(
    "channel_counters",
    metadata,
    Column("instrument_id", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("tip_pick_up", BigInteger, nullable=False),
    Column("tip_eject", BigInteger, nullable=False),
    Column("aspirate", BigInteger, nullable=False),
    Column("dispense", BigInteger, nullable=False),
    Column("lifetime_tip_pick_up", BigInteger, nullable=False),
    Column("lifetime_tip_eject", BigInteger, nullable=False),
    Column("lifetime_aspirate", BigInteger, nullable=False),
    Column("lifetime_dispense", BigInteger, nullable=False),
)

# What each run (a maintenance run's actions, a protocol run) moved, for the use over recent runs.
counter_moves = Table(
    "counter_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instrument_id", String(64), nullable=False),
    Column("run_kind", String(16), nullable=False),
    Column("run_id", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("tip_pick_up", BigInteger, nullable=False),
    Column("tip_eject", BigInteger, nullable=False),
    Column("aspirate", BigInteger, nullable=False),
    Column("dispense", BigInteger, nullable=False),
    Index("ix_counter_moves_instrument_at", "instrument_id", "at"),
)

instrument_settings = Table(
    "instrument_settings",
    metadata,
    Column("instrument_id", String(64), primary_key=True),
    Column("uv_interval", String(32), nullable=False),
    Column("catalogue_version", Integer, nullable=True),
    # The simulated clock: its offset from the system clock, and its speed (instrument state).
    Column("clock_offset_us", BigInteger, nullable=False, server_default="0"),
    Column("clock_speed", Float, nullable=True),
)

protocol_runs = Table(
    "protocol_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("instrument_id", String(64), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=False),
    Index("ix_protocol_runs_instrument_ended", "instrument_id", "ended_at"),
)
