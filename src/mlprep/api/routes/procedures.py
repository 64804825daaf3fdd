"""`/mlprep/v1/procedures/{procedureId}/steps`: what a run of a procedure will do and ask, so
that a client can check the answers it means to give before starting one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.contract.runs import RunStep

router = APIRouter(
    prefix="/procedures",
    tags=["mlprep"],
    dependencies=[Depends(requires(Permission.VIEW_MAINTENANCE))],
)
ProcedureId = Annotated[
    str, Path(alias="procedureId", description="The id of the maintenance procedure")
]


@router.get(
    "/{procedureId}/steps",
    operation_id="getProcedureSteps",
    response_description="The procedure's steps in order",
    summary="A procedure's steps: each action, and each view with what its results do",
    response_model=list[RunStep],
    responses=problem_responses(401, 403, 404),
)
async def get_procedure_steps(procedure_id: ProcedureId, services: ServicesDep) -> list[RunStep]:
    return services.procedures.steps(procedure_id)
