"""Injected time: the only module that reads the system clock.

Everything that needs "now" takes a `Clock`. The server runs a `SimulatedClock` (the system time
plus an offset that the simulator can advance, and a speed factor for simulated durations); tests
pass a `FakeClock` that moves only when told to.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Told the clock's offset and speed after each change, so that they can be kept (instrument state).
ClockListener = Callable[[timedelta, float], None]
# Makes the listener's call for time passed by an action: by default on a thread of its own; the
# server has the run engine make it with the run's changes that the action goes with.
OffsetKeeper = Callable[[Callable[[], None]], Awaitable[None]]


class Clock(Protocol):
    """A source of the current time, timezone-aware in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 4, 29, 14, 13, 24, 275456, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class SimulatedClock:
    """The instrument's clock: system time plus an offset, with a speed factor for durations.

    While a simulated duration passes (`pass_time`, an action), the clock runs `speed` times as
    fast, so that the action ends when the clock has passed exactly its duration (speed 0: at
    once). An advance by hand moves the clock on, and so brings a running action nearer its end
    (past it: the action ends); a new speed applies to the rest of it. `listener` keeps every
    change of offset or speed (a restart resumes the same time: it never runs back), and is told
    before the change is made: a change it cannot keep is not made.
    """

    def __init__(
        self,
        base: Clock | None = None,
        speed: float = 1.0,
        offset: timedelta = timedelta(0),
        listener: ClockListener | None = None,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be zero or positive")
        self._base = base or SystemClock()
        self._offset = offset
        self._speed = speed
        self._lock = threading.Lock()
        self._keeping = threading.Lock()
        self._listener = listener
        self._keeper: OffsetKeeper = asyncio.to_thread
        # While a duration passes at a speed above 1: the base time since when the clock has run
        # faster than the base clock without that being added to the offset yet.
        self._passing_since: datetime | None = None
        self._passed = timedelta(0)  # all the time durations have passed (see `take_back`)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    def keep_passed_time_with(self, keeper: OffsetKeeper) -> None:
        """Have `keeper` make the listener's call after time passed (`pass_time`)."""
        self._keeper = keeper

    def now(self) -> datetime:
        base = self._base.now()
        return base + self._offset + self._running_ahead(base)

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be zero or positive")
        with self._keeping:
            self._keep(self._offset + self._running_ahead(self._base.now()), value)
            with self._lock:
                self._settle(self._base.now())
                self._speed = value
        self._wake()

    @property
    def offset(self) -> timedelta:
        return self._offset

    @property
    def passed(self) -> timedelta:
        """How much time the durations passed so far have added to the offset."""
        return self._passed

    def take_back(self, passed: timedelta) -> None:
        """Undo the time durations passed since `passed` was read: the steps that took it could
        not be stored, and are undone with it."""
        with self._lock:
            self._offset -= self._passed - passed
            self._passed = passed

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (never backward) by `delta`."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._keeping:
            self._keep(self._offset + self._running_ahead(self._base.now()) + delta, self._speed)
            with self._lock:
                self._offset += delta
        self._wake()

    async def pass_time(self, duration: timedelta) -> None:
        """Let `duration` of instrument time pass, following changes of speed and advances made
        meanwhile; cancellable (abort stops an action so)."""
        loop = asyncio.get_running_loop()
        target = self.now() + duration
        try:
            while (left := target - self.now()) > timedelta(0) and self._speed > 0:
                changed: asyncio.Future[None] = loop.create_future()
                waiter = (loop, changed)
                self._waiters.add(waiter)
                with self._lock:
                    self._settle(self._base.now())
                    self._passing_since = self._base.now() if self._speed > 1 else None
                try:
                    await asyncio.wait_for(changed, left.total_seconds() / self._speed)
                except TimeoutError:
                    pass
                finally:
                    self._waiters.discard(waiter)
        finally:
            with self._lock:
                self._settle(self._base.now())
                self._passing_since = None
        with self._lock:
            behind = target - self.now()
            if behind > timedelta(0):
                self._offset += behind
                self._passed += behind
        if self._listener is not None:
            # Keeping the offset writes to the database: off the event loop, as runs' commits.
            await self._keeper(self._changed)

    def _running_ahead(self, base: datetime) -> timedelta:
        """How far the clock has run ahead of base time plus offset while a duration passes."""
        since = self._passing_since
        if since is None or base <= since:
            return timedelta(0)
        return (base - since) * (self._speed - 1)

    def _settle(self, base: datetime) -> None:
        """Add the time run ahead to the offset (under `_lock`)."""
        ahead = self._running_ahead(base)
        if self._passing_since is not None:
            self._passing_since = base
        self._offset += ahead
        self._passed += ahead

    def _wake(self) -> None:
        """Tell a duration passing that the clock changed."""
        for loop, changed in list(self._waiters):
            loop.call_soon_threadsafe(_resolve, changed)

    def _keep(self, offset: timedelta, speed: float) -> None:
        if self._listener is not None:
            self._listener(offset, speed)

    def _changed(self) -> None:
        if self._listener is not None:
            # One at a time, each with the values current when it runs: the last one kept is
            # the newest (the offset never goes back, even after a restart).
            with self._keeping:
                self._listener(self._offset + self._running_ahead(self._base.now()), self._speed)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
