"""Passwords are kept as argon2id hashes, and checking one never raises."""

from __future__ import annotations

from mlprep.auth.passwords import hash_password, verify_password


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


def test_a_damaged_hash_does_not_match_and_does_not_raise() -> None:
    assert not verify_password("not an argon2 hash", "anything")
    assert not verify_password("$argon2id$v=19$m=65536,t=3,p=4$garbage", "anything")
