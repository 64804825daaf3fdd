"""Login sessions' last use (the inactivity logout), written in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select

from mlprep.store.database import upsert_into
from mlprep.store.tables import token_sessions


@dataclass(frozen=True)
class SessionUse:
    """When a session was last used, and until when its newest token is valid."""

    session_id: str
    user_id: str
    last_used_at: datetime
    expires_at: datetime


class TokenSessionStore:
    """The last use of every login session whose tokens have not all expired."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, session_id: str) -> SessionUse | None:
        """A session's last use, if it is known."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(token_sessions).where(token_sessions.c.session_id == session_id)
            ).first()
        if row is None:
            return None
        return SessionUse(row.session_id, row.user_id, row.last_used_at, row.expires_at)

    def keep(self, uses: list[SessionUse], now: datetime) -> None:
        """Write these sessions' last use (inserting new ones), and forget sessions whose
        tokens have all expired, in one transaction."""
        with self._engine.begin() as connection:
            for use in uses:
                statement = upsert_into(self._engine, token_sessions).values(**use.__dict__)
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[token_sessions.c.session_id],
                        set_={
                            "last_used_at": statement.excluded.last_used_at,
                            "expires_at": statement.excluded.expires_at,
                        },
                    )
                )
            connection.execute(delete(token_sessions).where(token_sessions.c.expires_at < now))

    def forget(self, session_id: str) -> None:
        """Forget a session (its user logged out)."""
        with self._engine.begin() as connection:
            connection.execute(
                delete(token_sessions).where(token_sessions.c.session_id == session_id)
            )
