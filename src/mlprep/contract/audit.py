"""Wire models of the audit trail (`/mlprep/v1/audit`)."""

from __future__ import annotations

from datetime import datetime

from mlprep.contract.base import WireModel


class AuditEntry(WireModel):
    """One thing someone did, or tried to do."""

    id: str
    at: datetime
    actor: str | None
    action: str
    target: str | None
    outcome: str
    client: str | None
    detail: str | None


class AuditPage(WireModel):
    """A page of the audit trail, newest first."""

    items: list[AuditEntry]
    total: int
    offset: int
    limit: int
