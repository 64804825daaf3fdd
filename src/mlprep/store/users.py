"""Users and their password hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mlprep.errors import ConflictError
from mlprep.store.tables import users


@dataclass(frozen=True)
class UserRecord:
    """A stored user."""

    id: str
    user_name: str
    password_hash: str
    role: str
    created_at: datetime
    token_generation: int = 0


class UserStore:
    """Reads and writes users; names are unique regardless of letter case."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, record: UserRecord) -> None:
        """Store a new user. Raises ConflictError if the name is taken."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(users).values(
                        id=record.id,
                        user_name=record.user_name,
                        user_name_folded=record.user_name.casefold(),
                        password_hash=record.password_hash,
                        role=record.role,
                        created_at=record.created_at,
                    )
                )
        except IntegrityError as error:
            raise ConflictError(f"A user named '{record.user_name}' already exists.") from error

    def by_name(self, user_name: str) -> UserRecord | None:
        """The user with this name (any letter case), if any."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(users).where(users.c.user_name_folded == user_name.casefold())
            ).first()
        return _record(row) if row else None

    def by_id(self, user_id: str) -> UserRecord | None:
        """The user with this id, if any."""
        with self._engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
        return _record(row) if row else None

    def all(self) -> list[UserRecord]:
        """Every user, by name."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.user_name_folded)).all()
        return [_record(row) for row in rows]

    def generations(self) -> dict[str, int]:
        """Every user's id with their token generation."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(users.c.id, users.c.token_generation)).all()
        return {row.id: row.token_generation for row in rows}

    def count(self) -> int:
        """How many users there are."""
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(users)).scalar_one())

    def set_password_hash(self, user_id: str, password_hash: str) -> bool:
        """Replace a user's password hash and end their earlier tokens' generation; False if
        there is no such user."""
        with self._engine.begin() as connection:
            result = connection.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(password_hash=password_hash, token_generation=users.c.token_generation + 1)
            )
        return result.rowcount == 1

    def set_role(self, user_id: str, role: str) -> bool:
        """Change a user's role and end their earlier tokens' generation (the tokens list the old
        role's permissions); False if there is no such user."""
        with self._engine.begin() as connection:
            result = connection.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(role=role, token_generation=users.c.token_generation + 1)
            )
        return result.rowcount == 1

    def remove(self, user_id: str) -> bool:
        """Delete a user; False if there was no such user."""
        with self._engine.begin() as connection:
            result = connection.execute(delete(users).where(users.c.id == user_id))
        return result.rowcount == 1


def _record(row: object) -> UserRecord:
    mapping = row._mapping  # type: ignore[attr-defined]
    return UserRecord(
        id=mapping["id"],
        user_name=mapping["user_name"],
        password_hash=mapping["password_hash"],
        role=mapping["role"],
        created_at=mapping["created_at"],
        token_generation=mapping["token_generation"],
    )
