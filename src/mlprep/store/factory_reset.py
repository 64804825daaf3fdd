"""Wiping one instrument's maintenance history back to factory state, in one transaction."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select, update

from mlprep.contract.maintenance import UvInterval
from mlprep.store.counters import COLUMN_OF
from mlprep.store.instrument_settings import write_uv_interval
from mlprep.store.tables import (
    channel_counters,
    counter_moves,
    maintenance_errors,
    procedures,
    protocol_runs,
    runs,
    views,
)


class FactoryResetStore:
    """Forgets what one instrument has done; users, tokens and the audit trail stay."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def reset(self, uv_interval: UvInterval) -> None:
        """Delete runs (with their views and errors) and protocol runs, zero the counters and
        their lifetime totals, clear every procedure's last execution, set the UV interval."""
        runs_of_instrument = select(runs.c.id).where(runs.c.instrument_id == self._instrument)
        zeros = {column: 0 for column in COLUMN_OF.values()}
        zeros |= {f"lifetime_{column}": 0 for column in COLUMN_OF.values()}
        with self._engine.begin() as connection:
            connection.execute(delete(views).where(views.c.run_id.in_(runs_of_instrument)))
            connection.execute(
                delete(maintenance_errors).where(
                    maintenance_errors.c.run_id.in_(runs_of_instrument)
                )
            )
            connection.execute(delete(runs).where(runs.c.instrument_id == self._instrument))
            connection.execute(
                delete(protocol_runs).where(protocol_runs.c.instrument_id == self._instrument)
            )
            connection.execute(
                delete(counter_moves).where(counter_moves.c.instrument_id == self._instrument)
            )
            connection.execute(
                update(channel_counters)
                .where(channel_counters.c.instrument_id == self._instrument)
                .values(zeros)
            )
            connection.execute(
                update(procedures)
                .where(procedures.c.instrument_id == self._instrument)
                .values(last_execution_time=None)
            )
            write_uv_interval(connection, self._instrument, uv_interval)
