"""The inactivity logout, as the vendor's login answer announces it (`inactiveLogout`,
`logoutCountdown`, in minutes).

A login session (the token of a login and every token renewed from it) that is not used for
`inactive` stops working: its tokens are refused with 401. `countdown` before that, a warning goes
out on the event stream (code `logoutcountdown`), once per quiet spell. Any authenticated request
counts as use; an event stream that merely stays open does not.

The last use of each session is kept in memory, so a request costs no database write; it is
written to the store every `FLUSH_SECONDS` (and at shutdown), so that a restart remembers it.
A crash loses at most that much use, which errs on the safe side (an earlier logout).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mlprep.auth.tokens import TokenClaims
from mlprep.clock import Clock
from mlprep.errors import AuthenticationError
from mlprep.events.bus import Event, EventBus, EventCode
from mlprep.store.token_sessions import SessionUse, TokenSessionStore

logger = logging.getLogger("mlprep.auth")

FLUSH_SECONDS = 30.0
WATCH_SECONDS = 1.0
# A session's last use is noted to the second: a client polling many times a second costs one
# update a second, and the logout comes at most that much early.
TOUCH_EVERY = timedelta(seconds=1)
INACTIVE = "The session was not used for {minutes} minutes and has been logged out; log in again."


@dataclass(frozen=True)
class LogoutWarning:
    """A session that will be logged out at `logout_at` unless it is used before."""

    session_id: str
    user_id: str
    user_name: str
    logout_at: datetime
    seconds_left: int


@dataclass(frozen=True)
class _Session:
    use: SessionUse
    user_name: str
    warned: bool = False
    dirty: bool = False


class SessionActivity:
    """When each login session was last used, and whether it is still active."""

    def __init__(
        self, store: TokenSessionStore, clock: Clock, inactive: timedelta, countdown: timedelta
    ) -> None:
        self._store = store
        self._clock = clock
        self.inactive = inactive
        self.countdown = min(countdown, inactive)
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether sessions are logged out when unused (an `inactive` of 0 turns it off)."""
        return self.inactive > timedelta(0)

    def minutes(self) -> tuple[int, int]:
        """`inactiveLogout` and `logoutCountdown` as the login answer reports them (whole
        minutes, rounded up)."""
        return _whole_minutes(self.inactive), _whole_minutes(self.countdown)

    def started(self, claims: TokenClaims) -> None:
        """A token was issued (a login, or a renewal of its session): the session is in use."""
        if not self.enabled:
            return
        now = self._clock.now()
        use = SessionUse(claims.session, claims.user_id, now, claims.expires_at)
        with self._lock:
            known = self._sessions.get(claims.session)
            if known is not None:
                use = replace(use, expires_at=max(known.use.expires_at, claims.expires_at))
            self._sessions[claims.session] = _Session(use, claims.user_name)
        self._store.keep([use], now)

    def use(self, claims: TokenClaims) -> None:
        """A request with this token: the session is used now.

        Raises:
            AuthenticationError: the session had been unused for too long.
        """
        self._check(claims, touch=True)

    def check(self, claims: TokenClaims) -> None:
        """Raises AuthenticationError if the token's session has been unused for too long (an
        open event stream checks this; it does not count as use)."""
        self._check(claims, touch=False)

    def ended(self, claims: TokenClaims) -> None:
        """The session's user logged out with this token."""
        with self._lock:
            self._sessions.pop(claims.session, None)
        if self.enabled:
            self._store.forget(claims.session)

    def due_warnings(self) -> list[LogoutWarning]:
        """Sessions that come within `countdown` of their logout, each once per quiet spell."""
        now = self._clock.now()
        warnings = []
        with self._lock:
            for session_id, session in self._sessions.items():
                logout_at = session.use.last_used_at + self.inactive
                if session.warned or now < logout_at - self.countdown or now >= logout_at:
                    continue
                if session.use.expires_at <= logout_at:
                    continue  # its tokens expire first: there is nothing to warn of
                self._sessions[session_id] = replace(session, warned=True)
                seconds = math.ceil((logout_at - now).total_seconds())
                warnings.append(
                    LogoutWarning(
                        session_id, session.use.user_id, session.user_name, logout_at, seconds
                    )
                )
        return warnings

    def flush(self) -> None:
        """Write the sessions used since the last flush; forget those whose tokens expired."""
        now = self._clock.now()
        with self._lock:
            dirty = [session.use for session in self._sessions.values() if session.dirty]
            self._sessions = {
                session_id: replace(session, dirty=False)
                for session_id, session in self._sessions.items()
                if session.use.expires_at > now
            }
        if self.enabled:
            self._store.keep(dirty, now)

    def _check(self, claims: TokenClaims, touch: bool) -> None:
        if not self.enabled:
            return
        now = self._clock.now()
        with self._lock:
            session = self._sessions.get(claims.session)
        if session is None:
            session = self._load(claims)
        if now >= session.use.last_used_at + self.inactive:
            minutes = f"{self.inactive.total_seconds() / 60:g}"
            raise AuthenticationError(INACTIVE.format(minutes=minutes))
        if not touch:
            return
        if session.dirty and not session.warned and now - session.use.last_used_at < TOUCH_EVERY:
            return  # used within the last second and not yet written: nothing new to note
        with self._lock:
            current = self._sessions.get(claims.session, session)
            use = replace(current.use, last_used_at=max(now, current.use.last_used_at))
            self._sessions[claims.session] = replace(current, use=use, warned=False, dirty=True)

    def _load(self, claims: TokenClaims) -> _Session:
        """A session not in memory (after a restart): its last use as last written, else the
        token's issue."""
        stored = self._store.get(claims.session)
        use = stored or SessionUse(
            claims.session, claims.user_id, claims.issued_at, claims.expires_at
        )
        session = _Session(use, claims.user_name)
        with self._lock:
            return self._sessions.setdefault(claims.session, session)


def _whole_minutes(value: timedelta) -> int:
    return math.ceil(value.total_seconds() / 60)


def announce_warning(bus: EventBus, warning: LogoutWarning) -> None:
    """Publish a `logoutcountdown` event for `warning`."""
    minutes = max(1, math.ceil(warning.seconds_left / 60))
    bus.publish(
        Event(
            EventCode.LOGOUT_COUNTDOWN,
            f"{warning.user_name} will be logged out in {minutes} minute"
            f"{'s' if minutes != 1 else ''} unless the session is used",
            {
                "userName": warning.user_name,
                "userId": warning.user_id,
                "sessionId": warning.session_id,
                "logoutAt": warning.logout_at.isoformat(timespec="microseconds"),
                "secondsLeft": warning.seconds_left,
            },
        )
    )


async def watch_sessions(
    activity: SessionActivity,
    warn: Callable[[LogoutWarning], None],
    every: float = WATCH_SECONDS,
    flush_every: float = FLUSH_SECONDS,
) -> None:
    """Announce due warnings every `every` seconds and flush every `flush_every`, until
    cancelled (then flush once more)."""
    if not activity.enabled:
        return
    loop = asyncio.get_running_loop()
    next_flush = loop.time() + flush_every
    try:
        while True:
            await asyncio.sleep(every)
            for warning in activity.due_warnings():
                warn(warning)
            if loop.time() >= next_flush:
                next_flush = loop.time() + flush_every
                await asyncio.to_thread(activity.flush)
    finally:
        try:
            activity.flush()
        except Exception:  # the database may be gone at shutdown; a restart is still safe
            logger.exception("could not keep the sessions' last use")
