"""The lockout policy, as ASP.NET Identity locks an account: five failed logins for one user name
lock that name for ten minutes.

Only the name is locked. Failures for one name never refuse another name's correct password,
whatever the client address, so a stranger cannot lock everyone out from one machine. Every
attempt is counted before its password is checked (see `LoginAttemptStore.count_attempt`): the
fifth attempt is the last one checked (a failure answers 401 and begins the lock), and any
attempt beyond it is refused with 429 without spending a password check at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from mlprep.clock import Clock
from mlprep.errors import TooManyAttemptsError
from mlprep.store.login_attempts import LoginAttemptStore

LOCKED_MESSAGE = (
    "Too many failed login attempts for this user name. Try again in {minutes} minute(s), or "
    "ask an administrator to unlock it."
)


@dataclass(frozen=True)
class Admission:
    """A login attempt allowed to check its password; `last_chance` if a failure locks."""

    key: str
    last_chance: bool


class LockoutPolicy:
    """Counts login attempts per user name; a locked name answers 429 until the lock ends."""

    def __init__(
        self,
        store: LoginAttemptStore,
        clock: Clock,
        threshold: int = 5,
        lock_time: timedelta = timedelta(minutes=10),
    ) -> None:
        if threshold < 2:
            raise ValueError("the lockout threshold must be at least 2")
        self._store = store
        self._clock = clock
        self._threshold = threshold
        self._lock_time = lock_time

    @staticmethod
    def key(user_name: str) -> str:
        """The counter a login attempt for `user_name` touches (letter case does not matter)."""
        return f"user:{user_name.casefold()}"

    def admit(self, user_name: str) -> Admission:
        """Count an attempt for `user_name`, before its password is checked.

        Raises:
            TooManyAttemptsError: the name is locked (the attempt is refused unchecked).
        """
        now = self._clock.now()
        key = self.key(user_name)
        attempts = self._store.count_attempt(key, now, self._threshold, now + self._lock_time)
        if attempts.failures > self._threshold:
            locked_until = attempts.locked_until or now + self._lock_time
            raise_locked((locked_until - now).total_seconds())
        return Admission(key, last_chance=attempts.failures == self._threshold)

    def succeeded(self, admission: Admission) -> None:
        """The password was right: forget earlier failures (and a lock this attempt began)."""
        self._store.clear(admission.key)

    def unlock(self, user_name: str) -> None:
        """End a lock and forget the failures of `user_name` (an unlock, a new password)."""
        self._store.clear(self.key(user_name))

    def locked_until(self, user_name: str) -> datetime | None:
        """When the lock on `user_name` ends, if it is locked now."""
        attempts = self._store.get(self.key(user_name))
        if attempts.locked_until is None or attempts.locked_until <= self._clock.now():
            return None
        return attempts.locked_until


def raise_locked(seconds: float) -> None:
    """Raises the 429 for a lock with `seconds` left."""
    retry_after = max(1, math.ceil(seconds))
    raise TooManyAttemptsError(
        LOCKED_MESSAGE.format(minutes=math.ceil(retry_after / 60)), retry_after=retry_after
    )
