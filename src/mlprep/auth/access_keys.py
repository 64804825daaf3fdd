"""Access keys: long-lived, revocable credentials that the CLI and CI exchange for tokens.

A key is `mlprep_<id>_<secret>`: the id finds it, the secret (32 random bytes) proves it. Only an
HMAC-SHA256 of the secret is stored, keyed with a pepper derived from the signing secret, so a
copy of the database alone yields no key. A fast hash is enough (and right): a key is a random
secret, not a word a person chose, so there is nothing for argon2's cost to slow down; and it is
checked once per exchange (every few minutes of use), never per request, since requests carry the
short-lived token it was exchanged for. Revoking a key deletes it: the tokens issued from it stop
working at once (they name their key, `akid`), and the next exchange is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from mlprep.audit import AuditTrail
from mlprep.clock import Clock
from mlprep.contract.access_keys import AccessKey, IssuedAccessKey
from mlprep.errors import BadCredentialsError, NotFoundError
from mlprep.ids import IdGenerator
from mlprep.store.access_keys import AccessKeyRecord, AccessKeyStore
from mlprep.store.users import UserRecord, UserStore

PREFIX = "mlprep_"
KEY_PATTERN = re.compile(r"^mlprep_(?P<id>[0-9a-f]{32})_(?P<secret>[A-Za-z0-9_-]{20,100})$")
SECRET_BYTES = 32
HINT_LENGTH = 4
NOT_VALID = "The access key is not valid: it was revoked, or never issued here."


def pepper_from(signing_secret: bytes) -> bytes:
    """The key for hashing access keys' secrets, derived from the server's signing secret."""
    return hmac.new(signing_secret, b"mlprep access-key pepper", hashlib.sha256).digest()


@dataclass(frozen=True)
class KeyHolder:
    """Who a valid key belongs to."""

    key_id: str
    hint: str
    user: UserRecord


class AccessKeys:
    """Issues, lists, checks and revokes access keys; every issue and revocation is audited."""

    def __init__(
        self,
        store: AccessKeyStore,
        users: UserStore,
        pepper: bytes,
        audit: AuditTrail,
        clock: Clock,
        ids: IdGenerator,
        forget_tokens: Callable[[str], None] = lambda _key_id: None,
    ) -> None:
        self._store = store
        self._forget_tokens = forget_tokens
        self._users = users
        self._pepper = pepper
        self._audit = audit
        self._clock = clock
        self._ids = ids

    def issue(self, user_name: str, label: str, actor: str | None) -> IssuedAccessKey:
        """A new key for `user_name` (its secret is in the answer, and nowhere else).

        Raises NotFoundError for an unknown user.
        """
        user = self._require(user_name)
        key_id = self._ids.new_id()
        secret = secrets.token_urlsafe(SECRET_BYTES)
        record = AccessKeyRecord(
            id=key_id,
            user_id=user.id,
            user_name=user.user_name,
            label=label.strip() or "access key",
            secret_hash=self._hash(secret),
            hint=secret[-HINT_LENGTH:],
            created_at=self._clock.now(),
        )
        self._store.add(record)
        self._audit.record(
            "accesskey.add",
            actor=actor,
            target=user.user_name,
            detail=f"key {key_id[:8]} ({record.label}, …{record.hint})",
        )
        return IssuedAccessKey(**_wire(record).model_dump(), key=f"{PREFIX}{key_id}_{secret}")

    def list(self, user_name: str) -> list[AccessKey]:
        """A user's keys, oldest first. Raises NotFoundError for an unknown user."""
        return [_wire(record) for record in self._store.of_user(self._require(user_name).id)]

    def revoke(self, user_name: str, key_id: str, actor: str | None) -> AccessKeyRecord:
        """Revoke one of a user's keys: the tokens issued from it stop working at once.

        Raises NotFoundError if the user has no such key.
        """
        user = self._require(user_name)
        record = self._store.get(key_id)
        if record is None or record.user_id != user.id or not self._store.remove(key_id):
            raise NotFoundError(f"{user.user_name} has no access key with the id '{key_id}'.")
        self._forget_tokens(key_id)
        self._audit.record(
            "accesskey.revoke",
            actor=actor,
            target=user.user_name,
            detail=f"key {key_id[:8]} ({record.label}, …{record.hint})",
        )
        return record

    def holder(self, key: str) -> KeyHolder:
        """Who `key` belongs to, noting its use. Raises BadCredentialsError for a key that is
        malformed, unknown, revoked, or whose user is gone."""
        match = KEY_PATTERN.match(key.strip())
        record = self._store.get(match["id"]) if match else None
        if match is None or record is None:
            raise BadCredentialsError(NOT_VALID)
        if not hmac.compare_digest(record.secret_hash, self._hash(match["secret"])):
            raise BadCredentialsError(NOT_VALID)
        user = self._users.by_id(record.user_id)
        if user is None:
            raise BadCredentialsError(NOT_VALID)
        self._store.used(record.id, self._clock.now())
        return KeyHolder(record.id, record.hint, user)

    def exists(self, key_id: str) -> bool:
        """Whether the key has not been revoked."""
        return self._store.get(key_id) is not None

    def existing_among(self, key_ids: set[str]) -> set[str]:
        """Which of these keys have not been revoked."""
        return self._store.existing_among(key_ids)

    def _hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    def _require(self, user_name: str) -> UserRecord:
        user = self._users.by_name(user_name)
        if user is None:
            raise NotFoundError(f"There is no user named '{user_name}'.")
        return user


def _wire(record: AccessKeyRecord) -> AccessKey:
    return AccessKey(
        id=record.id,
        user_name=record.user_name,
        label=record.label,
        hint=record.hint,
        created_at=record.created_at,
        last_used_at=record.last_used_at,
    )
