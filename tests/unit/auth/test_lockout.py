"""The lockout policy: five login attempts for one user name, the fifth failing, lock that name
for ten minutes; attempts are counted before the password is checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mlprep.auth.lockout import Admission, LockoutPolicy
from mlprep.clock import FakeClock
from mlprep.errors import TooManyAttemptsError
from mlprep.services import Services
from mlprep.store.login_attempts import LoginAttemptStore


@pytest.fixture
def policy(services: Services, clock: FakeClock) -> LockoutPolicy:
    return LockoutPolicy(LoginAttemptStore(services.engine), clock)


def attempts(policy: LockoutPolicy, times: int, user_name: str = "alice") -> list[bool]:
    """`times` failed attempts; for each, whether it was the last chance before the lock."""
    return [policy.admit(user_name).last_chance for _ in range(times)]


def retry_after(policy: LockoutPolicy, user_name: str = "alice") -> int | None:
    try:
        admission = policy.admit(user_name)
    except TooManyAttemptsError as error:
        return error.retry_after
    policy.succeeded(admission)  # a probe that got through must not count as a failure
    return None


def test_attempts_are_counted_per_user_name_in_any_letter_case() -> None:
    assert LockoutPolicy.key("Alice") == LockoutPolicy.key("ALICE") == "user:alice"


def test_the_fifth_attempt_is_the_last_one_checked_and_the_sixth_is_refused(
    policy: LockoutPolicy,
) -> None:
    assert attempts(policy, 5) == [False] * 4 + [True]

    with pytest.raises(TooManyAttemptsError, match="Try again in 10 minute") as refused:
        policy.admit("alice")
    assert refused.value.retry_after == 600


def test_a_lock_on_one_name_never_refuses_another(policy: LockoutPolicy) -> None:
    attempts(policy, 5, "nobody")

    assert retry_after(policy, "nobody") == 600
    assert retry_after(policy, "admin") is None


def test_the_wait_shrinks_as_time_passes_and_the_lock_ends_after_ten_minutes(
    policy: LockoutPolicy, clock: FakeClock
) -> None:
    attempts(policy, 5)

    clock.advance(timedelta(minutes=9, seconds=30))
    assert retry_after(policy) == 30

    clock.advance(timedelta(seconds=29, microseconds=999999))
    assert retry_after(policy) == 1

    clock.advance(timedelta(microseconds=1))
    assert retry_after(policy) is None


def test_after_a_lock_it_takes_five_new_attempts_to_lock_again(
    policy: LockoutPolicy, clock: FakeClock
) -> None:
    attempts(policy, 5)
    clock.advance(timedelta(minutes=10))

    assert attempts(policy, 5) == [False] * 4 + [True]
    assert retry_after(policy) == 600


def test_a_success_forgets_earlier_failures_even_on_the_last_chance(
    policy: LockoutPolicy,
) -> None:
    attempts(policy, 4)
    last: Admission = policy.admit("alice")
    assert last.last_chance

    policy.succeeded(last)

    assert policy.locked_until("alice") is None
    assert attempts(policy, 4) == [False] * 4


def test_unlock_ends_a_lock_at_once(policy: LockoutPolicy, clock: FakeClock) -> None:
    attempts(policy, 5)
    assert policy.locked_until("alice") == clock.now() + timedelta(minutes=10)

    policy.unlock("ALICE")

    assert policy.locked_until("alice") is None
    assert attempts(policy, 5) == [False] * 4 + [True]
