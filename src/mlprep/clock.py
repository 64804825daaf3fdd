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

    A simulated duration `d` waits `d / speed` real seconds and then moves the offset so that the
    clock has passed exactly `d` (speed 0: no wait at all). The offset can also be advanced by hand,
    which is how a user makes a procedure fall due without waiting a day. `listener` hears of every
    change of offset or speed, so that a restart can resume the same time (it never runs back).
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

    def keep_passed_time_with(self, keeper: OffsetKeeper) -> None:
        """Have `keeper` make the listener's call after time passed (`pass_time`)."""
        self._keeper = keeper

    def now(self) -> datetime:
        return self._base.now() + self._offset

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be zero or positive")
        self._speed = value
        self._changed()

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (never backward) by `delta`."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        self._changed()

    async def pass_time(self, duration: timedelta) -> None:
        """Let `duration` of instrument time pass; cancellable (abort stops an action so)."""
        target = self.now() + duration
        if self._speed > 0:
            await asyncio.sleep(duration.total_seconds() / self._speed)
        with self._lock:
            behind = target - self.now()
            if behind > timedelta(0):
                self._offset += behind
        if behind > timedelta(0) and self._listener is not None:
            # Keeping the offset writes to the database: off the event loop, as runs' commits.
            await self._keeper(self._changed)

    def _changed(self) -> None:
        if self._listener is not None:
            # One at a time, each with the values current when it runs: the last one kept is
            # the newest (the offset never goes back, even after a restart).
            with self._keeping:
                self._listener(self._offset, self._speed)
