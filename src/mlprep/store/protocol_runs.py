"""Protocol runs the (simulated) instrument has done: they move counters and can make UV due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select

from mlprep.contract.maintenance import Channel
from mlprep.counters import CounterKind
from mlprep.store.counters import MoveSource, move_counters
from mlprep.store.tables import protocol_runs


class ProtocolRunStore:
    """Records protocol runs of one instrument."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def record(
        self,
        run_id: str,
        started_at: datetime,
        ended_at: datetime,
        moves: dict[Channel, dict[CounterKind, int]],
    ) -> None:
        """Store a finished protocol run and the counters it moved, in one transaction."""
        with self._engine.begin() as connection:
            connection.execute(
                insert(protocol_runs).values(
                    id=run_id,
                    instrument_id=self._instrument,
                    started_at=started_at,
                    ended_at=ended_at,
                )
            )
            source = MoveSource("protocol", run_id, ended_at)
            for channel, deltas in moves.items():
                move_counters(connection, self._instrument, channel, deltas, source)

    def first_end_after(self, when: datetime | None) -> datetime | None:
        """When the first protocol run that ended after `when` (or ever, if None) ended."""
        query = select(protocol_runs.c.ended_at).where(
            protocol_runs.c.instrument_id == self._instrument
        )
        if when is not None:
            query = query.where(protocol_runs.c.ended_at > when)
        with self._engine.connect() as connection:
            value: datetime | None = connection.execute(
                query.order_by(protocol_runs.c.ended_at).limit(1)
            ).scalar_one_or_none()
        return value
