"""Access keys: a key proves itself by its secret, of which only a keyed hash is kept; the hash
is keyed from the signing secret, so the same database under another secret takes no key; a
revoked key, or one whose user is gone, is refused; the tokens it was exchanged for are
forgotten when it is revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mlprep.audit import AuditTrail
from mlprep.auth.access_keys import AccessKeys, pepper_from
from mlprep.clock import FakeClock
from mlprep.contract.users import Role
from mlprep.errors import BadCredentialsError, NotFoundError
from mlprep.ids import RandomIds
from mlprep.services import Services
from mlprep.store.access_keys import AccessKeyStore
from mlprep.store.audit import AuditStore
from mlprep.store.tables import access_keys
from mlprep.store.users import UserStore

NOT_VALID = "The access key is not valid: it was revoked, or never issued here."


def keys_under(services: Services, signing_secret: bytes, forgotten: list[str]) -> AccessKeys:
    """The server's access keys, as they would be with `signing_secret`."""
    return AccessKeys(
        AccessKeyStore(services.engine),
        UserStore(services.engine),
        pepper_from(signing_secret),
        AuditTrail(AuditStore(services.engine), services.clock, RandomIds()),
        services.clock,
        RandomIds(),
        forgotten.append,
    )


def test_a_key_names_its_user_and_its_use_is_noted(services: Services, clock: FakeClock) -> None:
    keys = keys_under(services, b"s" * 32, [])
    issued = keys.issue("ADMIN", "laptop", actor="admin")

    holder = keys.holder(issued.key)

    assert holder.user.user_name == "admin" and holder.key_id == issued.id
    assert issued.hint == issued.key[-4:] and issued.user_name == "admin"
    assert keys.list("admin")[0].last_used_at == clock.now()


def test_only_a_keyed_hash_of_the_secret_is_kept(services: Services) -> None:
    issued = keys_under(services, b"s" * 32, []).issue("admin", "laptop", actor="admin")
    secret = issued.key.removeprefix(f"mlprep_{issued.id}_")

    with services.engine.connect() as connection:
        row = connection.execute(select(access_keys)).one()

    assert secret not in repr(tuple(row))
    with pytest.raises(BadCredentialsError, match="revoked, or never issued here"):
        keys_under(services, b"t" * 32, []).holder(issued.key)  # another server's secret


@pytest.mark.parametrize(
    "damage",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # a wrong secret
        lambda key: key.replace("mlprep_", "mlprep-"),  # not a key at all
        lambda key: "mlprep_" + "0" * 32 + key[39:],  # an id never issued
    ],
)
def test_a_wrong_key_is_refused_with_one_message(services: Services, damage: object) -> None:
    keys = keys_under(services, b"s" * 32, [])
    issued = keys.issue("admin", "laptop", actor="admin")

    with pytest.raises(BadCredentialsError) as refused:
        keys.holder(damage(issued.key))  # type: ignore[operator]

    assert refused.value.detail == NOT_VALID


def test_revoking_forgets_the_keys_tokens_and_refuses_the_key(services: Services) -> None:
    forgotten: list[str] = []
    keys = keys_under(services, b"s" * 32, forgotten)
    issued = keys.issue("admin", "laptop", actor="admin")

    keys.revoke("admin", issued.id, actor="admin")

    assert forgotten == [issued.id] and keys.list("admin") == []
    with pytest.raises(BadCredentialsError):
        keys.holder(issued.key)
    with pytest.raises(NotFoundError, match="no access key"):
        keys.revoke("admin", issued.id, actor="admin")


def test_a_users_keys_go_with_the_user(services: Services) -> None:
    services.users.add("olivia", "olivias password", Role.OPERATOR, actor="admin")
    keys = keys_under(services, b"s" * 32, [])
    issued = keys.issue("olivia", "ci", actor="admin")

    services.users.remove("olivia", actor="admin")

    with pytest.raises(BadCredentialsError):
        keys.holder(issued.key)
    with services.engine.connect() as connection:
        assert connection.execute(select(access_keys)).all() == []
    with pytest.raises(NotFoundError):
        keys.issue("olivia", "ci", actor="admin")
