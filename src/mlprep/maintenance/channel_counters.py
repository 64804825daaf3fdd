"""Reading and resetting the channels' usage counters."""

from __future__ import annotations

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
from mlprep.errors import NotFoundError
from mlprep.events.bus import Event, EventBus, EventCode
from mlprep.maintenance.counters import CounterKind, CounterValues, parse_channel, totals
from mlprep.store.counters import ChannelCounterStore


class ChannelCounters:
    """The counters of the channels the instrument has."""

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
        store.ensure(channels)

    def all(self) -> list[ChannelCounter]:
        """One entry per channel present, Front first."""
        return [values.to_wire() for values in self._store.all(self._channels)]

    def with_lifetime(self) -> list[CounterValues]:
        """Counters with their lifetime totals (mlprep's extension)."""
        return self._store.all(self._channels)

    def all_with_lifetime(self) -> list[ChannelCounterWithLifetime]:
        """Every channel's counters and lifetime totals, Front first."""
        return [values.with_lifetime() for values in self._store.all(self._channels)]

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
        self._audit.record("counters.reset", actor=actor, target=channel.value)
        self._announce(channel, "reset")
        return channel

    def set_values(self, text: str, values: dict[CounterKind, int], actor: str) -> Channel:
        """Set counters to chosen values (the simulator's control)."""
        channel = self.channel(text)
        self._store.set_values(channel, values)
        self._audit.record(
            "simulator.counters.set",
            actor=actor,
            target=channel.value,
            detail=", ".join(f"{k.value}={v}" for k, v in values.items()),
        )
        self._announce(channel, "set")
        return channel

    def _announce(self, channel: Channel, how: str) -> None:
        self._bus.publish(
            Event(
                EventCode.COUNTERS,
                f"Counters of channel {channel.value} {how}",
                {"channel": channel.value, "how": how},
            )
        )
