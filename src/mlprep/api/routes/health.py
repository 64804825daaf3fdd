"""`/mlprep/v1/health`: is the server up, is its database answering, is the instrument simulated."""

from __future__ import annotations

from fastapi import APIRouter

from mlprep import __version__
from mlprep.api.dependencies import ServicesDep
from mlprep.contract.health import Health
from mlprep.store.database import database_kind

router = APIRouter(tags=["mlprep"])


@router.get(
    "/health",
    operation_id="getHealth",
    response_description="The server and its database answer",
    summary="Server health",
    response_model=Health,
)
async def health(services: ServicesDep) -> Health:
    database_ok = await services.database_check.answers()
    return Health(
        status="Healthy" if database_ok else "Unhealthy",
        version=__version__,
        database=f"{database_kind(services.engine)}: {'ok' if database_ok else 'unreachable'}",
        simulated=True,
        instrument_id=services.settings.instrument_id,
        serial_number=services.settings.serial_number,
        now=services.clock.now().astimezone(services.instrument.info.time_zone),
    )
