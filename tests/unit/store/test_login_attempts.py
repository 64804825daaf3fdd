"""The login-attempt store counts failures per key and locks a key at the threshold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from mlprep.store.login_attempts import LoginAttempts, LoginAttemptStore

LOCK_END = datetime(2026, 4, 29, 14, 23, 24, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine) -> LoginAttemptStore:
    return LoginAttemptStore(engine)


def test_a_key_never_seen_has_no_failures_and_no_lock(store: LoginAttemptStore) -> None:
    assert store.get("user:alice") == LoginAttempts("user:alice", 0, None)


def test_failures_are_counted_per_key(store: LoginAttemptStore) -> None:
    for _ in range(3):
        store.record_failure("user:alice", 5, LOCK_END)
    store.record_failure("client:10.0.0.1", 5, LOCK_END)

    assert store.get("user:alice") == LoginAttempts("user:alice", 3, None)
    assert store.get("client:10.0.0.1") == LoginAttempts("client:10.0.0.1", 1, None)


def test_the_failure_that_reaches_the_threshold_locks_the_key(store: LoginAttemptStore) -> None:
    results = [store.record_failure("user:alice", 5, LOCK_END) for _ in range(5)]

    assert [result.locked_until for result in results] == [None] * 4 + [LOCK_END]
    assert results[-1].failures == 5
    # The count starts again, so that after the lock it takes another five failures.
    assert store.get("user:alice") == LoginAttempts("user:alice", 0, LOCK_END)


def test_clearing_a_key_forgets_its_failures(store: LoginAttemptStore) -> None:
    for _ in range(4):
        store.record_failure("user:alice", 5, LOCK_END)

    store.clear("user:alice")
    store.clear("user:nobody")

    assert store.get("user:alice") == LoginAttempts("user:alice", 0, None)
