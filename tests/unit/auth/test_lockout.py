"""The lockout policy: five failed logins lock a user (or a client address) for ten minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mlprep.auth.lockout import LockoutPolicy
from mlprep.clock import FakeClock
from mlprep.errors import TooManyAttemptsError
from mlprep.services import Services
from mlprep.store.login_attempts import LoginAttemptStore

ALICE = LockoutPolicy.keys("alice", "10.0.0.1")


@pytest.fixture
def policy(services: Services, clock: FakeClock) -> LockoutPolicy:
    return LockoutPolicy(LoginAttemptStore(services.engine), clock)


def fail(policy: LockoutPolicy, times: int, keys: list[str] = ALICE) -> list[bool]:
    return [policy.record_failure(keys) for _ in range(times)]


def retry_after(policy: LockoutPolicy, keys: list[str] = ALICE) -> int | None:
    try:
        policy.ensure_not_locked(keys)
    except TooManyAttemptsError as error:
        return error.retry_after
    return None


def test_failures_are_counted_per_user_name_in_any_case_and_per_client_address() -> None:
    assert LockoutPolicy.keys("Alice", "10.0.0.1") == ["user:alice", "client:10.0.0.1"]
    assert LockoutPolicy.keys("ALICE", None) == ["user:alice"]


def test_four_failures_do_not_lock(policy: LockoutPolicy) -> None:
    assert fail(policy, 4) == [False] * 4
    assert retry_after(policy) is None


def test_the_fifth_failure_locks_for_ten_minutes(policy: LockoutPolicy) -> None:
    assert fail(policy, 5) == [False] * 4 + [True]

    assert retry_after(policy) == 600
    with pytest.raises(TooManyAttemptsError, match="Try again in 10 minute"):
        policy.raise_locked_now()


def test_the_wait_shrinks_as_time_passes_and_the_lock_ends_after_ten_minutes(
    policy: LockoutPolicy, clock: FakeClock
) -> None:
    fail(policy, 5)

    clock.advance(timedelta(minutes=9, seconds=30))
    assert retry_after(policy) == 30

    clock.advance(timedelta(seconds=29, microseconds=999999))
    assert retry_after(policy) == 1

    clock.advance(timedelta(microseconds=1))
    assert retry_after(policy) is None


def test_a_lock_on_the_client_address_holds_for_every_user_name(policy: LockoutPolicy) -> None:
    for name in ["alice", "bob", "carol", "dave", "erin"]:
        policy.record_failure(LockoutPolicy.keys(name, "10.0.0.1"))

    assert retry_after(policy, LockoutPolicy.keys("frank", "10.0.0.1")) == 600
    assert retry_after(policy, LockoutPolicy.keys("frank", "10.0.0.2")) is None


def test_a_lock_on_the_user_holds_from_every_address(policy: LockoutPolicy) -> None:
    for number in range(5):
        policy.record_failure(LockoutPolicy.keys("alice", f"10.0.0.{number}"))

    assert retry_after(policy, LockoutPolicy.keys("Alice", "10.9.9.9")) == 600


def test_a_successful_login_forgets_earlier_failures(policy: LockoutPolicy) -> None:
    fail(policy, 4)

    policy.record_success(ALICE)

    assert fail(policy, 4) == [False] * 4
    assert retry_after(policy) is None


def test_after_a_lock_it_takes_five_new_failures_to_lock_again(
    policy: LockoutPolicy, clock: FakeClock
) -> None:
    fail(policy, 5)
    clock.advance(timedelta(minutes=10))

    assert fail(policy, 5) == [False] * 4 + [True]
    assert retry_after(policy) == 600
