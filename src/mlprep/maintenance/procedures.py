"""The procedure list: initialize from the catalogue, list with status, one with its due date.

What status and due dates are computed from is held here in memory and written through to the
store by whoever changes it: the procedures themselves (initialize), each one's last execution
(the run engine tells `executed`), the UV routine setting (`UvRoutine`, in memory too) and the
first protocol run after UV Decontamination's last execution (`protocol_run_ended`). Reading the
list therefore costs no database statement. The listing is computed once per state and kept until
the next instant at which a due date passes (`ProcedureListing.changes_at`), so that a request
between two changes is a dictionary look-up; this server is the only writer of one instrument's
maintenance state (as it is already the only one driving its runs).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from mlprep.audit import AuditTrail
from mlprep.clock import Clock
from mlprep.contract.maintenance import (
    MaintenanceProcedure,
    MaintenanceProcedureDetails,
    ProcedureStatus,
    UvInterval,
)
from mlprep.contract.runs import RunStep
from mlprep.contract.time import LARGEST_DATE, in_zone
from mlprep.errors import NotFoundError
from mlprep.maintenance.catalogue import Catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.schedule import Schedule, schedule
from mlprep.maintenance.uv_routine import UvRoutine
from mlprep.maintenance.wire import step_to_wire
from mlprep.store.procedures import CatalogueEntry, ProcedureRecord, ProcedureStore, SyncResult
from mlprep.store.protocol_runs import ProtocolRunStore


@dataclass(frozen=True)
class ProcedureListing:
    """Every active procedure with its status, as of one state, valid until `changes_at`.

    The same object is handed out for as long as it is valid, so that callers can prepare what
    they derive from it (the API's response bytes) once.
    """

    items: tuple[MaintenanceProcedure, ...]
    details: Mapping[str, MaintenanceProcedureDetails]
    changes_at: datetime  # the first due date still ahead: a status changes then


@dataclass(frozen=True)
class _State:
    records: tuple[ProcedureRecord, ...]
    # When the first protocol run after UV Decontamination's last execution ended (None: none).
    uv_protocol_end: datetime | None


class Procedures:
    """Reads procedures with their schedule, and loads the catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: ProcedureStore,
        uv_routine: UvRoutine,
        protocol_runs: ProtocolRunStore,
        engine: RunEngine,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._catalogue = catalogue
        self._store = store
        self._uv = uv_routine
        self._protocol_runs = protocol_runs
        self._engine = engine
        self._clock = clock
        self._audit = audit
        # Replaced whole on each change (never mutated), so readers need no lock; writers
        # take one, since the engine and worker threads may both write.
        self._lock = threading.Lock()
        self._state = self._load()
        self._listing: tuple[_State, UvInterval, ProcedureListing] | None = None

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
        self.reload()
        self._audit.record(
            "maintenance.initialize",
            actor=actor,
            target=f"catalogue v{self._catalogue.version}",
            detail=f"added {len(result.added)}, kept {len(result.updated)}, "
            f"retired {len(result.retired)}",
        )
        return result

    def reload(self) -> None:
        """Read the procedures, their history and the UV setting back from the store (after a
        change made there as a whole: initialize, factory reset)."""
        self._uv.reload()
        with self._lock:
            self._state = self._load()

    # -- what the rest of the domain tells, once it is committed -------------------------------

    def executed(self, procedure_id: str, at: datetime) -> None:
        """A run of `procedure_id` completed at `at` (its last execution is stored already)."""
        with self._lock:
            records = tuple(
                replace(record, last_execution_time=at) if record.id == procedure_id else record
                for record in self._state.records
            )
            definition = self._catalogue.by_id(procedure_id)
            uv_end = self._state.uv_protocol_end
            if definition is not None and definition.follows_uv_setting:
                uv_end = self._protocol_runs.first_end_after(at)
            self._state = _State(records, uv_end)

    def protocol_run_ended(self, at: datetime) -> None:
        """A protocol run ended at `at` (it is stored already): with `EveryProtocolRun`, UV
        Decontamination falls due then if it is the first since its last execution."""
        with self._lock:
            state = self._state
            uv_last = self._uv_last_execution(state)
            if uv_last is not None and at <= uv_last:
                return
            if state.uv_protocol_end is None or at < state.uv_protocol_end:
                self._state = _State(state.records, at)

    # -- reading ------------------------------------------------------------------------------

    def listing(self) -> ProcedureListing:
        """Every active procedure with its status now (the same object while nothing changes)."""
        state, uv_interval, now = self._state, self._uv.uv_interval(), self._clock.now()
        kept = self._listing
        if kept and kept[0] is state and kept[1] is uv_interval and now < kept[2].changes_at:
            return kept[2]
        listing = self._list(state, uv_interval, now)
        self._listing = (state, uv_interval, listing)
        return listing

    def all(self) -> list[MaintenanceProcedure]:
        """Every active procedure with its status."""
        return list(self.listing().items)

    def get(self, procedure_id: str) -> MaintenanceProcedureDetails:
        """One procedure with its due date. Raises NotFoundError for an unknown id."""
        details = self.listing().details.get(procedure_id)
        if details is None:
            raise NotFoundError(f"There is no maintenance procedure with id '{procedure_id}'.")
        return details

    def steps(self, procedure_id: str) -> list[RunStep]:
        """A procedure's steps, each view with what its results do, as a run of it will show
        them (so that a client can check its answers before starting). Raises NotFoundError."""
        self.get(procedure_id)
        definition = self._catalogue.by_id(procedure_id)
        return [step_to_wire(step) for step in definition.steps] if definition else []

    # -- inside -------------------------------------------------------------------------------

    def _load(self) -> _State:
        records = tuple(self._store.active())
        uv_last = self._uv_last_execution(_State(records, None))
        uv_end = self._protocol_runs.first_end_after(uv_last)
        return _State(records, uv_end)

    def _uv_last_execution(self, state: _State) -> datetime | None:
        for record in state.records:
            definition = self._catalogue.by_id(record.id)
            if definition is not None and definition.follows_uv_setting:
                return record.last_execution_time
        return None

    def _list(self, state: _State, uv_interval: UvInterval, now: datetime) -> ProcedureListing:
        zone = self._engine.zone
        items: list[MaintenanceProcedure] = []
        details: dict[str, MaintenanceProcedureDetails] = {}
        changes_at = LARGEST_DATE
        for record in state.records:
            plan = self._schedule(record, state, uv_interval, now)
            if plan is None:
                continue
            if plan.status is ProcedureStatus.OK:
                changes_at = min(changes_at, plan.due_date_time)
            last = in_zone(plan.last_execution_time, zone)
            due = in_zone(plan.due_date_time, zone)
            items.append(
                MaintenanceProcedure(
                    id=record.id,
                    status=plan.status,
                    name=record.name,
                    info=record.info,
                    last_execution_time=last,
                    due_date_time=due,
                )
            )
            details[record.id] = MaintenanceProcedureDetails(
                id=record.id,
                status=plan.status,
                name=record.name,
                info=record.info,
                due_date_time=due,
                last_execution_time=last,
            )
        return ProcedureListing(tuple(items), details, changes_at)

    def _schedule(
        self, record: ProcedureRecord, state: _State, uv_interval: UvInterval, now: datetime
    ) -> Schedule | None:
        definition = self._catalogue.by_id(record.id)
        if definition is None:
            return None
        protocol_end = state.uv_protocol_end if definition.follows_uv_setting else None
        return schedule(definition, record.last_execution_time, uv_interval, protocol_end, now)
