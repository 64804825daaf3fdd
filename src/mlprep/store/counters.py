"""Channel counters, with lifetime totals beside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from mlprep.contract.maintenance import Channel
from mlprep.counters import CounterKind, CounterValues, wrap_add
from mlprep.store.tables import channel_counters, counter_moves

COLUMN_OF: dict[CounterKind, str] = {
    CounterKind.TIP_PICK_UP: "tip_pick_up",
    CounterKind.TIP_EJECT: "tip_eject",
    CounterKind.ASPIRATE: "aspirate",
    CounterKind.DISPENSE: "dispense",
}

# Built once (as the run store's writes are): a run's actions move counters between two views.
_INSERT_MOVE = insert(counter_moves)
_CHANNEL = (channel_counters.c.instrument_id == bindparam("match_instrument")) & (
    channel_counters.c.channel == bindparam("match_channel")
)
_COUNTERS_OF_CHANNEL = select(channel_counters).where(_CHANNEL)
_UPDATE_CHANNEL = update(channel_counters).where(_CHANNEL)


@dataclass(frozen=True)
class MoveSource:
    """What moved counters: a maintenance run's action or a protocol run, and when."""

    kind: str  # "maintenance" or "protocol"
    run_id: str
    at: datetime


@dataclass
class RunUsage:
    """What one run moved, per channel."""

    kind: str
    run_id: str
    at: datetime
    channels: dict[Channel, dict[CounterKind, int]] = field(default_factory=dict)


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

    def usage(self, limit: int) -> list[RunUsage]:
        """What the latest `limit` runs moved, oldest first."""
        moves = counter_moves.c
        totals = [func.sum(getattr(moves, column)).label(column) for column in COLUMN_OF.values()]
        latest = (
            select(moves.run_id, func.max(moves.at).label("at"))
            .where(moves.instrument_id == self._instrument)
            .group_by(moves.run_id)
            .order_by(func.max(moves.at).desc())
            .limit(limit)
            .subquery()
        )
        query = (
            select(moves.run_kind, moves.run_id, latest.c.at, moves.channel, *totals)
            .join(latest, latest.c.run_id == moves.run_id)
            .where(moves.instrument_id == self._instrument)
            .group_by(moves.run_kind, moves.run_id, latest.c.at, moves.channel)
            .order_by(latest.c.at, moves.run_id, moves.channel)
        )
        runs: dict[str, RunUsage] = {}
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                usage = runs.setdefault(row.run_id, RunUsage(row.run_kind, row.run_id, row.at))
                usage.channels[Channel(row.channel)] = {
                    kind: int(getattr(row, column)) for kind, column in COLUMN_OF.items()
                }
        return list(runs.values())

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
    connection: Connection,
    instrument_id: str,
    channel: Channel,
    deltas: dict[CounterKind, int],
    source: MoveSource | None = None,
) -> None:
    """Within a caller's transaction: add `deltas` to a channel's counters, and remember what
    moved them (`source`) for the use over recent runs."""
    if not deltas:
        return
    if source is not None:
        connection.execute(
            _INSERT_MOVE,
            {
                "instrument_id": instrument_id,
                "run_kind": source.kind,
                "run_id": source.run_id,
                "at": source.at,
                "channel": channel.value,
                **{column: deltas.get(kind, 0) for kind, column in COLUMN_OF.items()},
            },
        )
    match = {"match_instrument": instrument_id, "match_channel": channel.value}
    row = connection.execute(_COUNTERS_OF_CHANNEL, match).first()
    if row is None:
        return
    values: dict[str, int] = {}
    for kind, delta in deltas.items():
        column = COLUMN_OF[kind]
        values[column] = wrap_add(getattr(row, column), delta)
        values[f"lifetime_{column}"] = getattr(row, f"lifetime_{column}") + delta
    connection.execute(_UPDATE_CHANNEL, {**match, **values})


def _values(channel: Channel, row: object) -> CounterValues:
    return CounterValues(
        channel=channel,
        values={kind: getattr(row, column) for kind, column in COLUMN_OF.items()},
        lifetime={kind: getattr(row, f"lifetime_{column}") for kind, column in COLUMN_OF.items()},
    )
