"""Revoked tokens (logout), kept until they would have expired anyway."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, delete, select

from mlprep.store.database import upsert_into
from mlprep.store.tables import revoked_tokens


class RevokedTokenStore:
    """Remembers the `jti` of every token revoked by a logout."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def revoke(self, jti: str, expires_at: datetime, now: datetime) -> None:
        """Record a revocation, and forget revocations of tokens that have expired."""
        with self._engine.begin() as connection:
            connection.execute(delete(revoked_tokens).where(revoked_tokens.c.expires_at < now))
            connection.execute(
                upsert_into(self._engine, revoked_tokens)
                .values(jti=jti, expires_at=expires_at)
                .on_conflict_do_nothing()
            )

    def is_revoked(self, jti: str) -> bool:
        """Whether the token with this `jti` has been revoked."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(revoked_tokens.c.jti).where(revoked_tokens.c.jti == jti)
            ).first()
        return row is not None

    def revoked_among(self, jtis: Collection[str]) -> set[str]:
        """Which of these `jti`s have been revoked."""
        if not jtis:
            return set()
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(revoked_tokens.c.jti).where(revoked_tokens.c.jti.in_(list(jtis)))
            ).all()
        return {row.jti for row in rows}
