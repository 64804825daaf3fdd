"""The audit trail as the services use it: one call per thing worth remembering."""

from __future__ import annotations

from mlprep.clock import Clock
from mlprep.ids import IdGenerator
from mlprep.store.audit import AuditRecord, AuditStore


class AuditTrail:
    """Records who did what; time and ids are injected."""

    def __init__(self, store: AuditStore, clock: Clock, ids: IdGenerator) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids

    def record(
        self,
        action: str,
        *,
        actor: str | None,
        outcome: str = "success",
        target: str | None = None,
        client: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one entry."""
        self._store.append(
            AuditRecord(
                id=self._ids.new_id(),
                at=self._clock.now(),
                actor=actor,
                action=action,
                target=target,
                outcome=outcome,
                client=client,
                detail=detail,
            )
        )

    def page(
        self, offset: int, limit: int, action: str | None = None
    ) -> tuple[list[AuditRecord], int]:
        """A page of the trail, newest first, with the total count."""
        return self._store.page(offset, limit, action)
