"""Wire models of the audit trail (`/mlprep/v1/audit`)."""

from __future__ import annotations

from mlprep.contract.base import WireModel
from mlprep.contract.time import InstrumentTime


class AuditEntry(WireModel):
    """One thing someone did, or tried to do, at a time of the instrument's clock."""

    id: str
    at: InstrumentTime
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
