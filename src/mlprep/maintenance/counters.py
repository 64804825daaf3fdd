"""Channel counters: four per channel, unsigned 32-bit, wrapping to 0 as the instrument's do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mlprep.contract.maintenance import Channel, ChannelCounter

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

    def to_wire(self) -> ChannelCounter:
        """As `GET /maintenance/channel-counters` reports it."""
        return ChannelCounter(
            name=self.channel,
            tip_pick_up_counter=self.values[CounterKind.TIP_PICK_UP],
            tip_eject_counter=self.values[CounterKind.TIP_EJECT],
            aspirate_counter=self.values[CounterKind.ASPIRATE],
            dispense_counter=self.values[CounterKind.DISPENSE],
        )


def parse_channel(text: str, present: tuple[Channel, ...]) -> Channel | None:
    """A channel by name (any case) or index (1 = Front, 2 = Rear), if present on the instrument."""
    wanted = text.strip().casefold()
    for channel in present:
        if wanted in (channel.value.casefold(), str(channel.number)):
            return channel
    return None
