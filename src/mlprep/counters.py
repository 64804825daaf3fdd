"""Channel counters, a value type below the domain and the stores: four per channel, unsigned
32-bit, wrapping to 0 as the instrument's do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mlprep.contract.maintenance import (
    Channel,
    ChannelCounter,
    ChannelCounterWithLifetime,
    CounterTotals,
)

COUNTER_LIMIT = 2**32  # values run 0 … 4294967295


class CounterKind(StrEnum):
    """What a counter counts (the catalogue's names)."""

    TIP_PICK_UP = "tipPickUp"
    TIP_EJECT = "tipEject"
    ASPIRATE = "aspirate"
    DISPENSE = "dispense"


def wrap_add(value: int, delta: int) -> int:
    """`value + delta` in unsigned 32-bit arithmetic."""
    return (value + delta) % COUNTER_LIMIT


@dataclass(frozen=True)
class CounterValues:
    """One channel's counters, and their lifetime totals (never reset, never wrapped)."""

    channel: Channel
    values: dict[CounterKind, int]
    lifetime: dict[CounterKind, int]

    def moved(self, deltas: dict[CounterKind, int]) -> CounterValues:
        """These counters after `deltas` (wrapping) and the lifetime totals after them too."""
        values = dict(self.values)
        lifetime = dict(self.lifetime)
        for kind, delta in deltas.items():
            values[kind] = wrap_add(values.get(kind, 0), delta)
            lifetime[kind] = lifetime.get(kind, 0) + delta
        return CounterValues(self.channel, values, lifetime)

    def set_to(self, values: dict[CounterKind, int]) -> CounterValues:
        """These counters with some set to chosen values (lifetime totals stay)."""
        return CounterValues(self.channel, {**self.values, **values}, self.lifetime)

    def to_wire(self) -> ChannelCounter:
        """As `GET /maintenance/channel-counters` reports it."""
        return ChannelCounter(name=self.channel, **totals(self.values).model_dump())

    def with_lifetime(self) -> ChannelCounterWithLifetime:
        """The counters and their lifetime totals (`GET /mlprep/v1/counters`)."""
        return ChannelCounterWithLifetime(
            name=self.channel, **totals(self.values).model_dump(), lifetime=totals(self.lifetime)
        )


def totals(values: dict[CounterKind, int]) -> CounterTotals:
    """Four counters' values as the wire has them."""
    return CounterTotals(
        tip_pick_up_counter=values.get(CounterKind.TIP_PICK_UP, 0),
        tip_eject_counter=values.get(CounterKind.TIP_EJECT, 0),
        aspirate_counter=values.get(CounterKind.ASPIRATE, 0),
        dispense_counter=values.get(CounterKind.DISPENSE, 0),
    )


def parse_channel(text: str, present: tuple[Channel, ...]) -> Channel | None:
    """A channel by name (any case) or index (1 = Front, 2 = Rear), if present on the instrument."""
    wanted = text.strip().casefold()
    for channel in present:
        if wanted in (channel.value.casefold(), str(channel.number)):
            return channel
    return None
