"""Maintenance procedures as loaded from the catalogue, with their execution history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from mlprep.store.tables import procedures


@dataclass(frozen=True)
class ProcedureRecord:
    """A stored procedure."""

    id: str
    key: str
    name: str
    info: str
    position: int
    retired: bool
    last_execution_time: datetime | None


@dataclass(frozen=True)
class CatalogueEntry:
    """What initialize writes for one catalogue procedure."""

    id: str
    key: str
    name: str
    info: str


@dataclass(frozen=True)
class SyncResult:
    """What initialize changed."""

    added: list[str]
    updated: list[str]
    retired: list[str]


class ProcedureStore:
    """Procedures of one instrument."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def sync(self, entries: list[CatalogueEntry], version: int) -> SyncResult:
        """Make the stored list match the catalogue: add new, refresh kept, retire removed.

        History (`last_execution_time`) is never touched, so initialize is idempotent.
        """
        result = SyncResult([], [], [])
        with self._engine.begin() as connection:
            existing = {
                row.key: row
                for row in connection.execute(
                    select(procedures).where(procedures.c.instrument_id == self._instrument)
                )
            }
            for position, entry in enumerate(entries):
                values = {
                    "name": entry.name,
                    "info": entry.info,
                    "position": position,
                    "retired": False,
                    "catalogue_version": version,
                }
                row = existing.pop(entry.key, None)
                if row is None:
                    connection.execute(
                        insert(procedures).values(
                            id=entry.id,
                            instrument_id=self._instrument,
                            key=entry.key,
                            last_execution_time=None,
                            **values,
                        )
                    )
                    result.added.append(entry.key)
                else:
                    connection.execute(
                        update(procedures).where(procedures.c.id == row.id).values(**values)
                    )
                    result.updated.append(entry.key)
            for row in existing.values():
                if not row.retired:
                    connection.execute(
                        update(procedures).where(procedures.c.id == row.id).values(retired=True)
                    )
                    result.retired.append(row.key)
        return result

    def active(self) -> list[ProcedureRecord]:
        """Procedures not retired, in catalogue order."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(procedures)
                .where(procedures.c.instrument_id == self._instrument, ~procedures.c.retired)
                .order_by(procedures.c.position)
            ).all()
        return [_record(row) for row in rows]

    def get(self, procedure_id: str) -> ProcedureRecord | None:
        """An active procedure by id."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(procedures).where(
                    procedures.c.instrument_id == self._instrument,
                    procedures.c.id == procedure_id,
                    ~procedures.c.retired,
                )
            ).first()
        return _record(row) if row else None


def _record(row: object) -> ProcedureRecord:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ProcedureRecord(
        id=mapping["id"],
        key=mapping["key"],
        name=mapping["name"],
        info=mapping["info"],
        position=mapping["position"],
        retired=mapping["retired"],
        last_execution_time=mapping["last_execution_time"],
    )
