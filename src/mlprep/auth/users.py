"""The user directory: adding, listing, changing passwords and removing users."""

from __future__ import annotations

import secrets
from pathlib import Path

from mlprep.audit import AuditTrail
from mlprep.auth.authentication import SessionEnder
from mlprep.auth.lockout import LockoutPolicy
from mlprep.auth.passwords import hash_password
from mlprep.clock import Clock
from mlprep.contract.users import Role, User
from mlprep.errors import ConflictError, InvalidRequestError, NotFoundError
from mlprep.ids import IdGenerator
from mlprep.private_files import write_private
from mlprep.store.users import UserRecord, UserStore

MIN_PASSWORD_LENGTH = 8
INITIAL_ADMIN = "admin"
INITIAL_PASSWORD_FILE = "initial-admin-password"


class UserDirectory:
    """Manages users; every change is audited under the actor who made it.

    A new password or a removal ends the user's earlier tokens (their generation moves on) and
    the event streams opened with them; a new password also lifts a lockout.
    """

    def __init__(
        self,
        store: UserStore,
        lockout: LockoutPolicy,
        audit: AuditTrail,
        clock: Clock,
        ids: IdGenerator,
        end_sessions: SessionEnder,
    ) -> None:
        self._store = store
        self._lockout = lockout
        self._audit = audit
        self._clock = clock
        self._ids = ids
        self._end_sessions = end_sessions

    def add(self, user_name: str, password: str, role: Role, actor: str | None) -> User:
        """Create a user. Raises InvalidRequestError (short password) or ConflictError (taken)."""
        user_name = user_name.strip()
        if not user_name:
            raise InvalidRequestError("A user name is required.", {"userName": ["Required."]})
        _check_password(password)
        record = UserRecord(
            id=self._ids.new_id(),
            user_name=user_name,
            password_hash=hash_password(password),
            role=role.value,
            created_at=self._clock.now(),
        )
        self._store.add(record)
        self._audit.record("user.add", actor=actor, target=user_name, detail=f"role {role.value}")
        return self._user(record)

    def list(self) -> list[User]:
        """Every user, by name."""
        return [self._user(record) for record in self._store.all()]

    def get(self, user_name: str) -> User:
        """One user. Raises NotFoundError for an unknown user."""
        return self._user(self._require(user_name))

    def set_password(self, user_name: str, password: str, actor: str | None) -> None:
        """Change a user's password: their earlier tokens stop working and a lockout ends.

        Raises NotFoundError for an unknown user.
        """
        _check_password(password)
        record = self._require(user_name)
        self._store.set_password_hash(record.id, hash_password(password))
        self._lockout.unlock(record.user_name)
        self._audit.record("user.passwd", actor=actor, target=record.user_name)
        self._end_sessions(record.id, None)

    def unlock(self, user_name: str, actor: str | None) -> None:
        """End a lockout of `user_name` (a known user) after too many failed logins.

        Raises NotFoundError for an unknown user.
        """
        record = self._require(user_name)
        self._lockout.unlock(record.user_name)
        self._audit.record("user.unlock", actor=actor, target=record.user_name)

    def set_role(self, user_name: str, role: Role, actor: str | None) -> User:
        """Give a user another role; their earlier tokens (which list the old role's permissions)
        stop working. Raises NotFoundError, or ConflictError for the last administrator."""
        record = self._require(user_name)
        if record.role == role.value:
            return self._user(record)
        if record.role == Role.ADMINISTRATOR and self._count_admins() == 1:
            raise ConflictError(
                "The last administrator cannot be given another role; make another user an "
                "Administrator first."
            )
        self._store.set_role(record.id, role.value)
        self._audit.record(
            "user.role", actor=actor, target=record.user_name, detail=f"role {role.value}"
        )
        self._end_sessions(record.id, None)
        return self.get(record.user_name)

    def remove(self, user_name: str, actor: str | None) -> None:
        """Remove a user; their tokens and event streams stop working at once."""
        record = self._require(user_name)
        if record.role == Role.ADMINISTRATOR and self._count_admins() == 1:
            raise ConflictError(
                "The last administrator cannot be removed; make another user an Administrator "
                "first."
            )
        self._store.remove(record.id)
        self._lockout.unlock(record.user_name)
        self._audit.record("user.remove", actor=actor, target=record.user_name)
        self._end_sessions(record.id, None)

    def ensure_initial_admin(self, data_dir: Path, password: str | None) -> str | None:
        """On first start, create `admin`; returns the generated password if one was made.

        Safe if raced by another server on the same database: one of them creates `admin`.

        Raises:
            OSError: the password file cannot be written (errno ENOSPC: the disk is full).
        """
        if self._store.count() > 0:
            return None
        generated = None
        if not password:
            generated = password = _initial_password(data_dir / INITIAL_PASSWORD_FILE)
        try:
            self.add(INITIAL_ADMIN, password, Role.ADMINISTRATOR, actor="mlprep")
        except ConflictError:
            return None  # another server on this database made it at the same moment
        return generated

    def _require(self, user_name: str) -> UserRecord:
        record = self._store.by_name(user_name)
        if record is None:
            raise NotFoundError(f"There is no user named '{user_name}'.")
        return record

    def _user(self, record: UserRecord) -> User:
        return User(
            id=record.id,
            user_name=record.user_name,
            role=Role(record.role),
            created_at=record.created_at,
            locked_until=self._lockout.locked_until(record.user_name),
        )

    def _count_admins(self) -> int:
        return sum(1 for record in self._store.all() if record.role == Role.ADMINISTRATOR)


def _initial_password(path: Path) -> str:
    """A new password for `admin`, kept at `path` before the user is stored: one a start that
    failed part-way left there is used again (it was never shown), as is one another server
    starting on the same data directory has just written."""
    generated = secrets.token_urlsafe(12)
    if write_private(path, generated + "\n"):
        return generated
    kept = path.read_text(errors="replace").strip()
    if len(kept) >= MIN_PASSWORD_LENGTH:
        return kept
    write_private(path, generated + "\n", replace=True)  # empty: left by an older release
    return generated


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequestError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            {"password": [f"At least {MIN_PASSWORD_LENGTH} characters."]},
        )
