"""An in-process publish/subscribe bus that never lets a slow subscriber slow the publisher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

logger = logging.getLogger("mlprep.events")


class Stream(StrEnum):
    """The two streams real instruments serve (instinctevents and instincterrors), and the
    simulator's own, which only mlprep's Server-Sent Events carry (the console follows it)."""

    EVENTS = "events"
    ERRORS = "errors"
    SIMULATOR = "simulator"


class EventCode(StrEnum):
    """The event codes (DESIGN §8)."""

    MAINTENANCE_DATA = "maintenancedata"
    VIEW_CLOSED = "viewclosed"
    MAINTENANCE_STATUS = "maintenancestatus"
    FINISHED = "finished"
    COUNTERS = "counters"
    ERROR = "error"
    LOGOUT_COUNTDOWN = "logoutcountdown"
    # On the simulator's stream: due dates may have passed, or statuses changed, without a run.
    CLOCK = "clock"
    UV_ROUTINE = "uvroutine"
    FACTORY_RESET = "reset"


@dataclass(frozen=True)
class Event:
    """One message: `{"code": ..., "description": ..., "data": {...}}` on the wire."""

    code: EventCode
    description: str
    data: dict[str, Any]
    stream: Stream = Stream.EVENTS

    def to_message(self) -> dict[str, Any]:
        """The JSON object a transport sends."""
        return {"code": self.code.value, "description": self.description, "data": self.data}


@dataclass(frozen=True)
class Holder:
    """Whose token opened a subscription: it ends when that token or user is revoked."""

    user_id: str
    jti: str


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue. When it ends, `ended` is set (a transport stuck sending to a client
    that reads nothing learns it at once), `dropped` says it fell too far behind, `revoked`
    that its token was revoked (logout, new password, user removed)."""

    streams: frozenset[Stream]
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(256))
    holder: Holder | None = None
    dropped: bool = False
    revoked: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self) -> Event | None:
        """The next event, or None once the subscription has ended."""
        return await self.queue.get()


class EventBus:
    """Fan-out of events to subscribers; publishing never blocks."""

    def __init__(self, queue_size: int = 256) -> None:
        self._subscriptions: set[Subscription] = set()
        self._queue_size = queue_size
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    def subscribe(
        self, streams: frozenset[Stream] = frozenset(Stream), holder: Holder | None = None
    ) -> Subscription:
        """Start receiving events of `streams` (a subscription made after close() ends at once).

        `holder` names the token that opened it, if one did (see `end_sessions`).
        """
        with contextlib.suppress(RuntimeError):  # no loop: a test driving the bus by hand
            self._loop = asyncio.get_running_loop()
        subscription = Subscription(streams, asyncio.Queue(self._queue_size), holder)
        if self._closed:
            # A client that connects while the server stops must not hold the shutdown up.
            subscription.queue.put_nowait(None)
            subscription.ended.set()
        else:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop receiving events."""
        self._subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        """How many subscribers are listening."""
        return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        """Hand `event` to every subscriber of its stream; a full queue drops that subscriber."""
        self.published += 1
        for subscription in list(self._subscriptions):
            if event.stream not in subscription.streams:
                continue
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                self._drop(subscription)

    def end_sessions(self, user_id: str, jti: str | None = None) -> None:
        """End the subscriptions opened with one token of a user (`jti`), or with any of them.

        Safe to call from any thread (a synchronous handler runs on a worker thread).
        """
        loop = self._loop
        if loop is not None and not _running_on(loop):
            loop.call_soon_threadsafe(self.end_sessions, user_id, jti)
            return
        for subscription in list(self._subscriptions):
            holder = subscription.holder
            if holder is None or holder.user_id != user_id:
                continue
            if jti is None or holder.jti == jti:
                subscription.revoked = True
                self._end(subscription)

    def close(self) -> None:
        """End every subscription, and any made later (the server is stopping)."""
        self._closed = True
        for subscription in list(self._subscriptions):
            self._end(subscription)

    def _drop(self, subscription: Subscription) -> None:
        logger.warning("dropping an event subscriber that fell %d events behind", self._queue_size)
        subscription.dropped = True
        self._end(subscription)

    def _end(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
        # Make room for the end marker so the transport wakes up and closes its connection.
        while not subscription.queue.empty():
            subscription.queue.get_nowait()
        subscription.queue.put_nowait(None)
        subscription.ended.set()


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
