"""Access keys: who each belongs to, and a keyed hash of its secret (never the secret)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, delete, insert, select, update

from mlprep.store.tables import access_keys, users


@dataclass(frozen=True)
class AccessKeyRecord:
    """A stored access key, with its user's name."""

    id: str
    user_id: str
    user_name: str
    label: str
    secret_hash: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None = None


class AccessKeyStore:
    """Reads and writes access keys."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, record: AccessKeyRecord) -> None:
        """Store a new key."""
        with self._engine.begin() as connection:
            connection.execute(
                insert(access_keys).values(
                    id=record.id,
                    user_id=record.user_id,
                    label=record.label,
                    secret_hash=record.secret_hash,
                    hint=record.hint,
                    created_at=record.created_at,
                )
            )

    def get(self, key_id: str) -> AccessKeyRecord | None:
        """The key with this id, if it exists (it is not revoked)."""
        with self._engine.connect() as connection:
            row = connection.execute(_selected().where(access_keys.c.id == key_id)).first()
        return _record(row) if row else None

    def of_user(self, user_id: str) -> list[AccessKeyRecord]:
        """A user's keys, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                _selected()
                .where(access_keys.c.user_id == user_id)
                .order_by(access_keys.c.created_at, access_keys.c.id)
            ).all()
        return [_record(row) for row in rows]

    def existing_among(self, key_ids: Collection[str]) -> set[str]:
        """Which of these keys still exist."""
        if not key_ids:
            return set()
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(access_keys.c.id).where(access_keys.c.id.in_(list(key_ids)))
            ).all()
        return {row.id for row in rows}

    def used(self, key_id: str, at: datetime) -> None:
        """Note that the key was exchanged for a token at `at`."""
        with self._engine.begin() as connection:
            connection.execute(
                update(access_keys).where(access_keys.c.id == key_id).values(last_used_at=at)
            )

    def remove(self, key_id: str) -> bool:
        """Delete a key (revoke it); False if there was no such key."""
        with self._engine.begin() as connection:
            result = connection.execute(delete(access_keys).where(access_keys.c.id == key_id))
        return result.rowcount == 1


def _selected() -> Select[Any]:
    return select(access_keys, users.c.user_name).join(users, users.c.id == access_keys.c.user_id)


def _record(row: object) -> AccessKeyRecord:
    mapping = row._mapping  # type: ignore[attr-defined]
    return AccessKeyRecord(
        id=mapping["id"],
        user_id=mapping["user_id"],
        user_name=mapping["user_name"],
        label=mapping["label"],
        secret_hash=mapping["secret_hash"],
        hint=mapping["hint"],
        created_at=mapping["created_at"],
        last_used_at=mapping["last_used_at"],
    )
