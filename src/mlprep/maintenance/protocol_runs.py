"""Protocol runs the (simulated) instrument has done: recorded, then told to what they change."""

from __future__ import annotations

from datetime import datetime

from mlprep.contract.maintenance import Channel
from mlprep.counters import CounterKind
from mlprep.maintenance.channel_counters import ChannelCounters
from mlprep.maintenance.procedures import Procedures
from mlprep.store.protocol_runs import ProtocolRunStore


class ProtocolRuns:
    """Records protocol runs; each moves the channels' counters and can make UV Decontamination
    due, which the in-memory counters and procedures learn once the run is stored."""

    def __init__(
        self, store: ProtocolRunStore, procedures: Procedures, counters: ChannelCounters
    ) -> None:
        self._store = store
        self._procedures = procedures
        self._counters = counters

    def record(
        self,
        run_id: str,
        started_at: datetime,
        ended_at: datetime,
        moves: dict[Channel, dict[CounterKind, int]],
    ) -> None:
        """Store a finished protocol run and the counters it moved, in one transaction."""
        self._store.record(run_id, started_at, ended_at, moves)
        for channel, deltas in moves.items():
            self._counters.moved(channel, deltas)
        self._procedures.protocol_run_ended(ended_at)

    def first_end_after(self, when: datetime | None) -> datetime | None:
        """When the first protocol run that ended after `when` (or ever, if None) ended."""
        return self._store.first_end_after(when)
