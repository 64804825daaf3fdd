"""Channel counters, with lifetime totals beside them."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update

from mlprep.contract.maintenance import Channel
from mlprep.maintenance.counters import CounterKind, CounterValues, wrap_add
from mlprep.store.tables import channel_counters

COLUMN_OF: dict[CounterKind, str] = {
    CounterKind.TIP_PICK_UP: "tip_pick_up",
    CounterKind.TIP_EJECT: "tip_eject",
    CounterKind.ASPIRATE: "aspirate",
    CounterKind.DISPENSE: "dispense",
}


class ChannelCounterStore:
    """The counters of one instrument's channels."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def ensure(self, channels: tuple[Channel, ...]) -> None:
        """Create zeroed rows for channels that have none yet."""
        with self._engine.begin() as connection:
            present = {
                row.channel
                for row in connection.execute(
                    select(channel_counters.c.channel).where(
                        channel_counters.c.instrument_id == self._instrument
                    )
                )
            }
            for channel in channels:
                if channel.value not in present:
                    zeros = {column: 0 for column in COLUMN_OF.values()}
                    lifetime = {f"lifetime_{column}": 0 for column in COLUMN_OF.values()}
                    connection.execute(
                        channel_counters.insert().values(
                            instrument_id=self._instrument,
                            channel=channel.value,
                            **zeros,
                            **lifetime,
                        )
                    )

    def all(self, channels: tuple[Channel, ...]) -> list[CounterValues]:
        """The counters of the channels present, Front first."""
        with self._engine.connect() as connection:
            rows = {
                row.channel: row
                for row in connection.execute(
                    select(channel_counters).where(
                        channel_counters.c.instrument_id == self._instrument
                    )
                )
            }
        return [
            _values(channel, rows[channel.value]) for channel in channels if channel.value in rows
        ]

    def move(self, channel: Channel, deltas: dict[CounterKind, int]) -> None:
        """Add to a channel's counters (wrapping) and lifetime totals."""
        with self._engine.begin() as connection:
            move_counters(connection, self._instrument, channel, deltas)

    def reset(self, channel: Channel) -> None:
        """Set a channel's four counters to 0; lifetime totals stay."""
        with self._engine.begin() as connection:
            connection.execute(
                update(channel_counters)
                .where(
                    channel_counters.c.instrument_id == self._instrument,
                    channel_counters.c.channel == channel.value,
                )
                .values({column: 0 for column in COLUMN_OF.values()})
            )

    def set_values(self, channel: Channel, values: dict[CounterKind, int]) -> None:
        """Set counters to given values (the simulator's control); lifetime totals stay."""
        with self._engine.begin() as connection:
            connection.execute(
                update(channel_counters)
                .where(
                    channel_counters.c.instrument_id == self._instrument,
                    channel_counters.c.channel == channel.value,
                )
                .values({COLUMN_OF[kind]: value for kind, value in values.items()})
            )


def move_counters(
    connection: Connection, instrument_id: str, channel: Channel, deltas: dict[CounterKind, int]
) -> None:
    """Within a caller's transaction: add `deltas` to a channel's counters."""
    if not deltas:
        return
    condition = (channel_counters.c.instrument_id == instrument_id) & (
        channel_counters.c.channel == channel.value
    )
    row = connection.execute(select(channel_counters).where(condition)).first()
    if row is None:
        return
    values: dict[str, int] = {}
    for kind, delta in deltas.items():
        column = COLUMN_OF[kind]
        values[column] = wrap_add(getattr(row, column), delta)
        values[f"lifetime_{column}"] = getattr(row, f"lifetime_{column}") + delta
    connection.execute(update(channel_counters).where(condition).values(values))


def _values(channel: Channel, row: object) -> CounterValues:
    return CounterValues(
        channel=channel,
        values={kind: getattr(row, column) for kind, column in COLUMN_OF.items()},
        lifetime={kind: getattr(row, f"lifetime_{column}") for kind, column in COLUMN_OF.items()},
    )
