"""The procedure list: initialize from the catalogue, list with status, one with its due date."""

from __future__ import annotations

from mlprep.audit import AuditTrail
from mlprep.clock import Clock
from mlprep.contract.maintenance import (
    MaintenanceProcedure,
    MaintenanceProcedureDetails,
    UvInterval,
)
from mlprep.contract.time import in_zone
from mlprep.errors import NotFoundError
from mlprep.maintenance.catalogue import Catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.schedule import Schedule, schedule
from mlprep.maintenance.uv_routine import UvSettingStore
from mlprep.store.procedures import CatalogueEntry, ProcedureRecord, ProcedureStore, SyncResult
from mlprep.store.protocol_runs import ProtocolRunStore


class Procedures:
    """Reads procedures with their schedule, and loads the catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: ProcedureStore,
        uv_settings: UvSettingStore,
        protocol_runs: ProtocolRunStore,
        engine: RunEngine,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._catalogue = catalogue
        self._store = store
        self._uv = uv_settings
        self._protocol_runs = protocol_runs
        self._engine = engine
        self._clock = clock
        self._audit = audit

    def initialize(self, actor: str) -> SyncResult:
        """Load the catalogue: add new procedures, keep history, retire removed ones.

        Raises:
            ConflictError: a run is in progress.
        """
        self._engine.ensure_idle("initialize maintenance")
        result = self._store.sync(
            [CatalogueEntry(p.id, p.key, p.name, p.info) for p in self._catalogue.procedures],
            self._catalogue.version,
        )
        self._audit.record(
            "maintenance.initialize",
            actor=actor,
            target=f"catalogue v{self._catalogue.version}",
            detail=f"added {len(result.added)}, kept {len(result.updated)}, "
            f"retired {len(result.retired)}",
        )
        return result

    def all(self) -> list[MaintenanceProcedure]:
        """Every active procedure with its status."""
        items = []
        uv_interval = self._uv.uv_interval()
        for record in self._store.active():
            plan = self._schedule(record, uv_interval)
            if plan is None:
                continue
            zone = self._engine.zone
            items.append(
                MaintenanceProcedure(
                    id=record.id,
                    status=plan.status,
                    name=record.name,
                    info=record.info,
                    last_execution_time=in_zone(plan.last_execution_time, zone),
                    due_date_time=in_zone(plan.due_date_time, zone),
                )
            )
        return items

    def get(self, procedure_id: str) -> MaintenanceProcedureDetails:
        """One procedure with its due date. Raises NotFoundError for an unknown id."""
        record = self._store.get(procedure_id)
        plan = self._schedule(record, self._uv.uv_interval()) if record else None
        if record is None or plan is None:
            raise NotFoundError(f"There is no maintenance procedure with id '{procedure_id}'.")
        zone = self._engine.zone
        return MaintenanceProcedureDetails(
            id=record.id,
            status=plan.status,
            name=record.name,
            info=record.info,
            due_date_time=in_zone(plan.due_date_time, zone),
            last_execution_time=in_zone(plan.last_execution_time, zone),
        )

    def _schedule(self, record: ProcedureRecord, uv_interval: UvInterval) -> Schedule | None:
        definition = self._catalogue.by_id(record.id)
        if definition is None:
            return None
        protocol_end = None
        if definition.follows_uv_setting:
            protocol_end = self._protocol_runs.first_end_after(record.last_execution_time)
        return schedule(
            definition,
            record.last_execution_time,
            self._uv.uv_interval(),
            protocol_end,
            self._clock.now(),
        )
