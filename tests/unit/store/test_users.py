"""The user store keeps users with unique names (in any letter case) and their password hashes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from mlprep.errors import ConflictError
from mlprep.store.users import UserRecord, UserStore

CREATED = datetime(2026, 4, 29, 14, 13, 24, 275456, tzinfo=UTC)


def record(user_id: str, user_name: str, role: str = "Operator") -> UserRecord:
    return UserRecord(
        id=user_id,
        user_name=user_name,
        password_hash=f"hash-of-{user_name}",
        role=role,
        created_at=CREATED,
    )


@pytest.fixture
def store(engine: Engine) -> UserStore:
    return UserStore(engine)


def test_a_user_added_is_found_by_id_and_by_name_in_any_letter_case(store: UserStore) -> None:
    alice = record("a" * 32, "Alice")
    store.add(alice)

    assert store.by_id("a" * 32) == alice
    assert store.by_name("Alice") == alice
    assert store.by_name("aLICE") == alice
    assert store.by_name("bob") is None
    assert store.by_id("b" * 32) is None


def test_times_come_back_in_utc_with_their_microseconds(store: UserStore) -> None:
    store.add(record("a" * 32, "alice"))

    found = store.by_id("a" * 32)

    assert found is not None
    assert found.created_at == CREATED
    assert found.created_at.utcoffset() == UTC.utcoffset(None)


def test_a_name_taken_in_another_letter_case_is_refused(store: UserStore) -> None:
    store.add(record("a" * 32, "alice"))

    with pytest.raises(ConflictError, match="A user named 'ALICE' already exists"):
        store.add(record("b" * 32, "ALICE"))
    assert store.count() == 1


def test_users_are_listed_by_name_and_counted(store: UserStore) -> None:
    for user_id, name in [("1" * 32, "carol"), ("2" * 32, "Alice"), ("3" * 32, "bob")]:
        store.add(record(user_id, name))

    assert [user.user_name for user in store.all()] == ["Alice", "bob", "carol"]
    assert store.count() == 3


def test_a_password_hash_is_replaced_only_for_an_existing_user(store: UserStore) -> None:
    store.add(record("a" * 32, "alice"))

    assert store.set_password_hash("a" * 32, "new-hash") is True
    assert store.set_password_hash("b" * 32, "other-hash") is False
    found = store.by_id("a" * 32)
    assert found is not None and found.password_hash == "new-hash"


def test_a_removed_user_is_gone_and_their_name_is_free_again(store: UserStore) -> None:
    store.add(record("a" * 32, "alice"))

    assert store.remove("a" * 32) is True
    assert store.remove("a" * 32) is False
    assert store.by_name("alice") is None
    store.add(record("b" * 32, "Alice"))
    assert store.count() == 1
