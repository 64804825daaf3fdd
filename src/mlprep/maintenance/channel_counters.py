"""Reading and resetting the channels' usage counters."""

from __future__ import annotations

import threading
from datetime import tzinfo

from mlprep.audit import AuditTrail
from mlprep.contract.maintenance import (
    Channel,
    ChannelCounter,
    ChannelCounterWithLifetime,
    ChannelUsage,
    RunCounterUsage,
)
from mlprep.contract.time import in_zone
from mlprep.counters import CounterKind, CounterValues, parse_channel, totals
from mlprep.errors import NotFoundError
from mlprep.events.bus import Event, EventBus, EventCode
from mlprep.store.counters import ChannelCounterStore


class ChannelCounters:
    """The counters of the channels the instrument has.

    They are held in memory (each read is a look-up) and written through to the store: a reset or
    a setting here writes first, then changes memory; counters moved by runs and protocol runs
    are committed by their stores, then told here (`moved`).
    """

    def __init__(
        self,
        store: ChannelCounterStore,
        channels: tuple[Channel, ...],
        bus: EventBus,
        audit: AuditTrail,
    ) -> None:
        self._store = store
        self._channels = channels
        self._bus = bus
        self._audit = audit
        self._lock = threading.Lock()
        store.ensure(channels)
        self._values: tuple[CounterValues, ...] = ()
        self._wire: tuple[ChannelCounter, ...] = ()
        self.reload()

    def reload(self) -> None:
        """Read the counters back from the store (after a factory reset zeroed them there)."""
        with self._lock:
            self._keep(tuple(self._store.all(self._channels)))

    def moved(self, channel: Channel, deltas: dict[CounterKind, int]) -> None:
        """Counters moved by a committed action or protocol run: the same moves in memory."""
        with self._lock:
            self._keep(tuple(v.moved(deltas) if v.channel is channel else v for v in self._values))

    def all(self) -> tuple[ChannelCounter, ...]:
        """One entry per channel present, Front first (the same object while none changes)."""
        return self._wire

    def with_lifetime(self) -> list[CounterValues]:
        """Counters with their lifetime totals (mlprep's extension)."""
        return list(self._values)

    def all_with_lifetime(self) -> list[ChannelCounterWithLifetime]:
        """Every channel's counters and lifetime totals, Front first."""
        return [values.with_lifetime() for values in self._values]

    def usage(self, limit: int, zone: tzinfo) -> list[RunCounterUsage]:
        """What the latest `limit` runs moved, oldest first, times in the instrument's zone."""
        return [
            RunCounterUsage(
                run_id=run.run_id,
                kind=run.kind,
                at=in_zone(run.at, zone),
                channels=[
                    ChannelUsage(name=channel, **totals(moved).model_dump())
                    for channel, moved in sorted(run.channels.items(), key=lambda c: c[0].number)
                ],
            )
            for run in self._store.usage(limit)
        ]

    def channel(self, text: str) -> Channel:
        """A present channel by name (any case) or index. Raises NotFoundError naming the valid."""
        channel = parse_channel(text, self._channels)
        if channel is None:
            valid = ", ".join(f"{c.value} ({c.number})" for c in self._channels)
            raise NotFoundError(f"There is no channel '{text}' on this instrument; use {valid}.")
        return channel

    def reset(self, text: str, actor: str) -> Channel:
        """Set one channel's four counters to 0 (audited; lifetime totals stay)."""
        channel = self.channel(text)
        self._store.reset(channel)
        self._set(channel, {kind: 0 for kind in CounterKind})
        self._audit.record("counters.reset", actor=actor, target=channel.value)
        self._announce(channel, "reset")
        return channel

    def set_values(self, text: str, values: dict[CounterKind, int], actor: str) -> Channel:
        """Set counters to chosen values (the simulator's control)."""
        channel = self.channel(text)
        self._store.set_values(channel, values)
        self._set(channel, values)
        self._audit.record(
            "simulator.counters.set",
            actor=actor,
            target=channel.value,
            detail=", ".join(f"{k.value}={v}" for k, v in values.items()),
        )
        self._announce(channel, "set")
        return channel

    def _set(self, channel: Channel, values: dict[CounterKind, int]) -> None:
        with self._lock:
            self._keep(tuple(v.set_to(values) if v.channel is channel else v for v in self._values))

    def _keep(self, values: tuple[CounterValues, ...]) -> None:
        self._values = values
        self._wire = tuple(value.to_wire() for value in values)

    def _announce(self, channel: Channel, how: str) -> None:
        self._bus.publish(
            Event(
                EventCode.COUNTERS,
                f"Counters of channel {channel.value} {how}",
                {"channel": channel.value, "how": how},
            )
        )
