"""The event bus fans events out by stream, drops a subscriber that falls behind, and never makes
the publisher wait."""

from __future__ import annotations

import pytest

from mlprep.events.bus import Event, EventBus, EventCode, Stream, Subscription

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def status(number: int) -> Event:
    return Event(EventCode.MAINTENANCE_STATUS, f"status {number}", {"step": number})


def error(number: int) -> Event:
    return Event(EventCode.ERROR, f"error {number}", {"id": str(number)}, Stream.ERRORS)


def pending(subscription: Subscription) -> list[Event | None]:
    """What is waiting in the subscription's queue, taken out of it."""
    taken = []
    while not subscription.queue.empty():
        taken.append(subscription.queue.get_nowait())
    return taken


def test_a_message_is_the_code_description_and_data() -> None:
    assert status(3).to_message() == {
        "code": "maintenancestatus",
        "description": "status 3",
        "data": {"step": 3},
    }


async def test_every_subscriber_receives_every_event_in_order() -> None:
    bus = EventBus()
    subscribers = [bus.subscribe() for _ in range(3)]

    for number in range(5):
        bus.publish(status(number))

    for subscriber in subscribers:
        assert [await subscriber.next() for _ in range(5)] == [status(n) for n in range(5)]
    assert bus.published == 5


async def test_a_subscriber_receives_only_the_streams_it_asked_for() -> None:
    bus = EventBus()
    events_only = bus.subscribe(frozenset({Stream.EVENTS}))
    errors_only = bus.subscribe(frozenset({Stream.ERRORS}))
    both = bus.subscribe()

    bus.publish(status(1))
    bus.publish(error(1))
    bus.publish(status(2))

    assert pending(events_only) == [status(1), status(2)]
    assert pending(errors_only) == [error(1)]
    assert pending(both) == [status(1), error(1), status(2)]


async def test_a_subscriber_that_never_reads_is_dropped_and_a_reader_gets_everything() -> None:
    bus = EventBus(queue_size=4)
    slow = bus.subscribe()
    fast = bus.subscribe()
    received = []

    for number in range(20):
        bus.publish(status(number))  # returns at once, although `slow` never reads
        received.append(await fast.next())

    assert received == [status(n) for n in range(20)]
    assert slow.dropped and not fast.dropped
    assert pending(slow) == [None]  # the backlog is discarded; only the end marker is left
    assert bus.subscriber_count == 1


async def test_publishing_never_blocks_or_raises_whoever_lags() -> None:
    bus = EventBus(queue_size=2)
    laggards = [bus.subscribe() for _ in range(10)]

    for number in range(1_000):
        bus.publish(status(number))

    assert bus.published == 1_000
    assert all(laggard.dropped for laggard in laggards)
    assert bus.subscriber_count == 0


async def test_an_unsubscribed_subscriber_receives_nothing_more() -> None:
    bus = EventBus()
    leaving = bus.subscribe()
    staying = bus.subscribe()
    bus.publish(status(1))

    bus.unsubscribe(leaving)
    bus.unsubscribe(leaving)  # a second time is harmless
    bus.publish(status(2))

    assert pending(leaving) == [status(1)]
    assert pending(staying) == [status(1), status(2)]
    assert bus.subscriber_count == 1
    assert not leaving.dropped


async def test_close_ends_every_subscription_even_a_full_one() -> None:
    bus = EventBus(queue_size=2)
    full = bus.subscribe()
    bus.publish(status(1))
    bus.publish(status(2))
    idle = bus.subscribe()

    bus.close()

    assert await idle.next() is None
    assert await full.next() is None
    assert not idle.dropped and not full.dropped
    assert bus.subscriber_count == 0


async def test_after_close_a_new_subscription_ends_at_once_and_publishing_still_works() -> None:
    bus = EventBus()
    bus.close()

    late = bus.subscribe()
    bus.publish(status(1))

    assert pending(late) == [None]
    assert bus.subscriber_count == 0
