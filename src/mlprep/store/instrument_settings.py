"""Per-instrument settings: the UV routine interval, and the simulated clock's offset and speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from mlprep.contract.maintenance import UvInterval
from mlprep.store.tables import instrument_settings
from mlprep.store.transactions import transaction


@dataclass(frozen=True)
class ClockState:
    """The simulated clock as last kept: its offset from the system clock, its speed if set."""

    offset: timedelta
    speed: float | None


# Built once: a run keeps the simulated clock's offset with every step it takes.
_UPDATE_SETTINGS = update(instrument_settings).where(
    instrument_settings.c.instrument_id == bindparam("match_instrument")
)


class InstrumentSettingsStore:
    """The settings row of one instrument, created with defaults on first use."""

    def __init__(self, engine: Engine, instrument_id: str, default_uv: UvInterval) -> None:
        self._engine = engine
        self._instrument = instrument_id
        self._default_uv = default_uv

    def exists(self) -> bool:
        """Whether this instrument has been set up (its first start has happened)."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(instrument_settings.c.instrument_id).where(
                    instrument_settings.c.instrument_id == self._instrument
                )
            ).first()
        return row is not None

    def uv_interval(self) -> UvInterval:
        """The UV routine interval."""
        with self._engine.connect() as connection:
            value = connection.execute(
                select(instrument_settings.c.uv_interval).where(
                    instrument_settings.c.instrument_id == self._instrument
                )
            ).scalar_one_or_none()
        return UvInterval(value) if value else self._default_uv

    def set_uv_interval(self, interval: UvInterval) -> None:
        """Store the UV routine interval."""
        with transaction(self._engine) as connection:
            write_uv_interval(connection, self._instrument, interval)

    def clock_state(self) -> ClockState:
        """The simulated clock as last kept (no offset and no speed before the first change)."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(
                    instrument_settings.c.clock_offset_us, instrument_settings.c.clock_speed
                ).where(instrument_settings.c.instrument_id == self._instrument)
            ).first()
        if row is None:
            return ClockState(timedelta(0), None)
        return ClockState(timedelta(microseconds=row.clock_offset_us), row.clock_speed)

    def keep_clock(self, offset: timedelta, speed: float) -> None:
        """Keep the simulated clock's offset and speed (creating this instrument's row)."""
        values = {"clock_offset_us": offset // timedelta(microseconds=1), "clock_speed": speed}
        with transaction(self._engine) as connection:
            changed = connection.execute(
                _UPDATE_SETTINGS, {"match_instrument": self._instrument, **values}
            ).rowcount
            if changed == 0:
                connection.execute(
                    insert(instrument_settings).values(
                        instrument_id=self._instrument, uv_interval=self._default_uv.value, **values
                    )
                )


def write_uv_interval(connection: Connection, instrument_id: str, interval: UvInterval) -> None:
    """Within a caller's transaction: store an instrument's UV interval (creating its row)."""
    changed = connection.execute(
        update(instrument_settings)
        .where(instrument_settings.c.instrument_id == instrument_id)
        .values(uv_interval=interval.value)
    ).rowcount
    if changed == 0:
        connection.execute(
            insert(instrument_settings).values(
                instrument_id=instrument_id, uv_interval=interval.value
            )
        )
