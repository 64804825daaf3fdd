"""Per-instrument settings (the UV routine interval)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select, update

from mlprep.contract.maintenance import UvInterval
from mlprep.store.tables import instrument_settings


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
        with self._engine.begin() as connection:
            write_uv_interval(connection, self._instrument, interval)


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
