"""The revoked-token store remembers logged-out tokens until they would have expired anyway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from mlprep.store.tokens import RevokedTokenStore

NOW = datetime(2026, 4, 29, 14, 13, 24, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine) -> RevokedTokenStore:
    return RevokedTokenStore(engine)


def test_a_revoked_token_is_known_as_revoked_and_others_are_not(store: RevokedTokenStore) -> None:
    store.revoke("1" * 32, NOW + timedelta(minutes=5), NOW)

    assert store.is_revoked("1" * 32)
    assert not store.is_revoked("2" * 32)


def test_revoking_the_same_token_twice_is_harmless(store: RevokedTokenStore) -> None:
    store.revoke("1" * 32, NOW + timedelta(minutes=5), NOW)
    store.revoke("1" * 32, NOW + timedelta(minutes=5), NOW + timedelta(seconds=1))

    assert store.is_revoked("1" * 32)


def test_revocations_of_expired_tokens_are_forgotten_at_the_next_logout(
    store: RevokedTokenStore,
) -> None:
    store.revoke("1" * 32, NOW + timedelta(minutes=5), NOW)
    store.revoke("2" * 32, NOW + timedelta(minutes=9), NOW)

    store.revoke("3" * 32, NOW + timedelta(minutes=11), NOW + timedelta(minutes=6))

    assert not store.is_revoked("1" * 32)
    assert store.is_revoked("2" * 32)
    assert store.is_revoked("3" * 32)
