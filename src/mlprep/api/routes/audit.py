"""`/mlprep/v1/audit`: who did what, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import MAX_OFFSET, problem_responses
from mlprep.auth.permissions import Permission
from mlprep.contract.audit import AuditEntry, AuditPage
from mlprep.contract.time import in_zone

router = APIRouter(tags=["mlprep"])


@router.get(
    "/audit",
    operation_id="getAudit",
    response_description="One page of the audit trail, newest first",
    summary="The audit trail, newest first",
    response_model=AuditPage,
    dependencies=[Depends(requires(Permission.VIEW_AUDIT))],
    responses=problem_responses(400, 401, 403),
)
def audit(
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> AuditPage:
    records, total = services.audit.page(offset, limit, action)
    zone = services.instrument.info.time_zone
    return AuditPage(
        items=[
            AuditEntry(**{**record.__dict__, "at": in_zone(record.at, zone)}) for record in records
        ],
        total=total,
        offset=offset,
        limit=limit,
    )
