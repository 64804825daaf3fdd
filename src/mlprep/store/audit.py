"""The audit trail: who did what, when, from where, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select

from mlprep.store.tables import audit_entries
from mlprep.store.transactions import transaction


@dataclass(frozen=True)
class AuditRecord:
    """One audited action."""

    id: str
    at: datetime
    actor: str | None
    action: str
    target: str | None
    outcome: str
    client: str | None
    detail: str | None


_APPEND = insert(audit_entries)  # built once: close-view appends one entry per answer


class AuditStore:
    """Appends to and pages through the audit trail."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, record: AuditRecord) -> None:
        """Add an entry at the end of the trail."""
        with transaction(self._engine) as connection:
            connection.execute(_APPEND, record.__dict__)

    def page(
        self, offset: int, limit: int, action: str | None = None
    ) -> tuple[list[AuditRecord], int]:
        """A page of entries, newest first, and the total count (optionally of one action)."""
        query = select(audit_entries)
        count = select(func.count()).select_from(audit_entries)
        if action:
            query = query.where(audit_entries.c.action == action)
            count = count.where(audit_entries.c.action == action)
        with self._engine.connect() as connection:
            rows = connection.execute(
                query.order_by(audit_entries.c.seq.desc()).offset(offset).limit(limit)
            ).all()
            total = int(connection.execute(count).scalar_one())
        records = [
            AuditRecord(
                id=row.id,
                at=row.at,
                actor=row.actor,
                action=row.action,
                target=row.target,
                outcome=row.outcome,
                client=row.client,
                detail=row.detail,
            )
            for row in rows
        ]
        return records, total
