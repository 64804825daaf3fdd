"""Failed-login counters behind the lockout policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mlprep.store.tables import login_attempts


@dataclass(frozen=True)
class LoginAttempts:
    """Failures counted under one key, and the end of its lock, if locked."""

    key: str
    failures: int
    locked_until: datetime | None


class LoginAttemptStore:
    """Counts failures per key ("user:…" or "client:…")."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key: str) -> LoginAttempts:
        """The counters for `key` (zero if none recorded)."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(login_attempts).where(login_attempts.c.key == key)
            ).first()
        if row is None:
            return LoginAttempts(key, 0, None)
        return LoginAttempts(key, row.failures, row.locked_until)

    def record_failure(self, key: str, threshold: int, lock_until: datetime) -> LoginAttempts:
        """Count one failure; at `threshold` failures, lock the key until `lock_until`."""
        dialect_insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        with self._engine.begin() as connection:
            statement = dialect_insert(login_attempts).values(
                key=key, failures=1, locked_until=None
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[login_attempts.c.key],
                    set_={"failures": login_attempts.c.failures + 1},
                )
            )
            failures = connection.execute(
                select(login_attempts.c.failures).where(login_attempts.c.key == key)
            ).scalar_one()
            locked_until = None
            if failures >= threshold:
                locked_until = lock_until
                connection.execute(
                    update(login_attempts)
                    .where(login_attempts.c.key == key)
                    .values(failures=0, locked_until=lock_until)
                )
        return LoginAttempts(key, failures, locked_until)

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        with self._engine.begin() as connection:
            connection.execute(delete(login_attempts).where(login_attempts.c.key == key))
