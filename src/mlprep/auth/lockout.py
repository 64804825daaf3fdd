"""The lockout policy: after N failed logins, a user (or a client address) waits."""

from __future__ import annotations

import math
from datetime import timedelta

from mlprep.clock import Clock
from mlprep.errors import TooManyAttemptsError
from mlprep.store.login_attempts import LoginAttemptStore

LOCKED_MESSAGE = "Too many failed login attempts. Try again in {minutes} minute(s)."


class LockoutPolicy:
    """Counts failures per user name and per client address; a lock answers 429 until it ends."""

    def __init__(
        self,
        store: LoginAttemptStore,
        clock: Clock,
        threshold: int = 5,
        lock_time: timedelta = timedelta(minutes=10),
    ) -> None:
        self._store = store
        self._clock = clock
        self._threshold = threshold
        self._lock_time = lock_time

    @staticmethod
    def keys(user_name: str, client: str | None) -> list[str]:
        """The counters a login attempt touches."""
        keys = [f"user:{user_name.casefold()}"]
        if client:
            keys.append(f"client:{client}")
        return keys

    def ensure_not_locked(self, keys: list[str]) -> None:
        """Raises TooManyAttemptsError while any of `keys` is locked."""
        now = self._clock.now()
        remaining = max(
            (
                (attempts.locked_until - now).total_seconds()
                for attempts in map(self._store.get, keys)
                if attempts.locked_until is not None and attempts.locked_until > now
            ),
            default=0.0,
        )
        if remaining > 0:
            self._raise_locked(remaining)

    def record_failure(self, keys: list[str]) -> bool:
        """Count a failure under each key; True if this failure locked one of them."""
        lock_until = self._clock.now() + self._lock_time
        results = [self._store.record_failure(key, self._threshold, lock_until) for key in keys]
        return any(result.locked_until is not None for result in results)

    def raise_locked_now(self) -> None:
        """Raises the 429 for a lock that has just begun."""
        self._raise_locked(self._lock_time.total_seconds())

    def record_success(self, keys: list[str]) -> None:
        """Forget earlier failures."""
        for key in keys:
            self._store.clear(key)

    @staticmethod
    def _raise_locked(seconds: float) -> None:
        retry_after = max(1, math.ceil(seconds))
        raise TooManyAttemptsError(
            LOCKED_MESSAGE.format(minutes=math.ceil(retry_after / 60)), retry_after=retry_after
        )
