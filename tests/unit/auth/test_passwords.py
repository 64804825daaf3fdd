"""Passwords are kept as argon2id hashes, checking one never raises, and checks wait in a bounded
queue (each costs 64 MiB) that refuses logins beyond it at once."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from mlprep.auth import passwords
from mlprep.auth.passwords import PasswordChecks, hash_password, verify_password
from mlprep.errors import ServiceBusyError


def test_a_password_is_stored_as_a_salted_argon2id_hash() -> None:
    first = hash_password("correct horse battery")
    second = hash_password("correct horse battery")

    assert first.startswith("$argon2id$")
    assert "correct horse battery" not in first
    assert first != second


def test_only_the_right_password_matches() -> None:
    stored = hash_password("correct horse battery")

    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "Correct horse battery")
    assert not verify_password(stored, "")


def test_a_user_without_a_hash_never_matches() -> None:
    assert not verify_password(None, "no such user")
    assert not verify_password(None, "anything")


def test_an_unknown_name_is_checked_against_a_hash_made_as_a_password_hash_is_made() -> None:
    # Its parameters (memory, passes, lanes, salt and hash lengths) are what verifying costs. If
    # this fails, argon2-cffi has new defaults: the server makes a dummy hash at each start until
    # `_DUMMY_HASH` is replaced by a new one (`PasswordHasher().hash(<anything>)`).
    assert extract_parameters(passwords._DUMMY_HASH) == extract_parameters(hash_password("x"))
    assert passwords._dummy_hash() == passwords._DUMMY_HASH


def test_with_other_parameters_a_dummy_hash_is_made_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = passwords.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    passwords._dummy_hash.cache_clear()
    try:
        made = passwords._dummy_hash()
        assert made != passwords._DUMMY_HASH
        assert extract_parameters(made) == extract_parameters(hasher.hash("x"))
    finally:
        passwords._dummy_hash.cache_clear()


def test_a_damaged_hash_does_not_match_and_does_not_raise() -> None:
    assert not verify_password("not an argon2 hash", "anything")
    assert not verify_password("$argon2id$v=19$m=65536,t=3,p=4$garbage", "anything")


@pytest.mark.anyio
async def test_logins_beyond_the_queue_are_refused_at_once() -> None:
    checks = PasswordChecks(concurrency=1, queue_size=1)
    async with checks.turn(), checks.turn():
        with pytest.raises(ServiceBusyError) as busy:
            async with checks.turn():
                pass
    assert busy.value.retry_after == 1
    async with checks.turn():
        assert checks.admitted == 1
    checks.close()


@pytest.mark.anyio
async def test_a_check_runs_on_the_bounded_threads_and_answers_like_verify_password() -> None:
    checks = PasswordChecks(concurrency=1)
    hashed = hash_password("a long enough password")

    assert await checks.verify(hashed, "a long enough password")
    assert not await checks.verify(hashed, "a wrong password")
    assert not await checks.verify(None, "anything")
    checks.close()
