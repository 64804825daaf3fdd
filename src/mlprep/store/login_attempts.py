"""Login attempts counted per user name, behind the lockout policy.

An attempt is counted *before* its password is checked, in one atomic statement (an upsert that
returns the new count), so that concurrent guesses, from one process or several sharing
PostgreSQL, can never pass the limit: each gets a distinct number, and only numbers up to the
threshold are checked at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, case, delete, literal, select

from mlprep.store.database import upsert_into
from mlprep.store.tables import login_attempts


@dataclass(frozen=True)
class LoginAttempts:
    """Attempts counted under one key since its last success or lock, and the lock's end."""

    key: str
    failures: int
    locked_until: datetime | None


class LoginAttemptStore:
    """Counts attempts per key (`user:<folded name>`)."""

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

    def count_attempt(
        self, key: str, now: datetime, threshold: int, lock_until: datetime
    ) -> LoginAttempts:
        """Count one attempt under `key` and return the counters as they now stand.

        A lock that has ended starts the count again from this attempt. The attempt that
        reaches `threshold` (at least 2) locks the key until `lock_until`; its own password is
        still checked, and a success clears the lock.
        """
        table = login_attempts
        when = table.c.locked_until.type
        lock_ended = and_(table.c.locked_until.is_not(None), table.c.locked_until <= now)
        failures = case((lock_ended, literal(1)), else_=table.c.failures + 1)
        locked_until = case(
            (lock_ended, literal(None, when)),
            (
                and_(table.c.locked_until.is_(None), table.c.failures + 1 >= threshold),
                literal(lock_until, when),
            ),
            else_=table.c.locked_until,
        )
        statement = (
            upsert_into(self._engine, table)
            .values(key=key, failures=1, locked_until=None)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"failures": failures, "locked_until": locked_until},
            )
            .returning(table.c.failures, table.c.locked_until)
        )
        with self._engine.begin() as connection:
            row = connection.execute(statement).one()
        return LoginAttempts(key, row.failures, row.locked_until)

    def clear(self, key: str) -> None:
        """Forget the attempts and any lock of `key` (a success, an unlock, a new password)."""
        with self._engine.begin() as connection:
            connection.execute(delete(login_attempts).where(login_attempts.c.key == key))
