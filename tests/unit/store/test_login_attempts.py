"""The login-attempt store numbers attempts per key atomically and locks a key at the threshold,
on SQLite and PostgreSQL alike, however many attempts arrive at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from mlprep.store.login_attempts import LoginAttempts, LoginAttemptStore

NOW = datetime(2026, 4, 29, 14, 13, 24, tzinfo=UTC)
LOCK_END = NOW + timedelta(minutes=10)


@pytest.fixture
def store(engine: Engine) -> LoginAttemptStore:
    return LoginAttemptStore(engine)


def count(store: LoginAttemptStore, key: str = "user:alice", now: datetime = NOW) -> LoginAttempts:
    return store.count_attempt(key, now, 5, now + timedelta(minutes=10))


def test_a_key_never_seen_has_no_attempts_and_no_lock(store: LoginAttemptStore) -> None:
    assert store.get("user:alice") == LoginAttempts("user:alice", 0, None)


def test_attempts_are_numbered_per_key(store: LoginAttemptStore) -> None:
    numbers = [count(store).failures for _ in range(3)]
    other = count(store, "user:bob")

    assert numbers == [1, 2, 3]
    assert other == LoginAttempts("user:bob", 1, None)


def test_the_attempt_that_reaches_the_threshold_locks_the_key(store: LoginAttemptStore) -> None:
    results = [count(store) for _ in range(6)]

    assert [result.failures for result in results] == [1, 2, 3, 4, 5, 6]
    assert [result.locked_until for result in results] == [None] * 4 + [LOCK_END] * 2


def test_an_attempt_after_the_lock_ended_starts_counting_again(store: LoginAttemptStore) -> None:
    for _ in range(5):
        count(store)

    later = count(store, now=LOCK_END)

    assert later == LoginAttempts("user:alice", 1, None)


def test_clearing_a_key_forgets_its_attempts_and_lock(store: LoginAttemptStore) -> None:
    for _ in range(5):
        count(store)

    store.clear("user:alice")
    store.clear("user:nobody")

    assert store.get("user:alice") == LoginAttempts("user:alice", 0, None)


def test_concurrent_attempts_each_get_a_number_of_their_own(store: LoginAttemptStore) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        numbers = sorted(pool.map(lambda _: count(store).failures, range(60)))

    assert numbers == list(range(1, 61))
