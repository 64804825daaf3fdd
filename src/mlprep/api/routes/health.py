"""`/mlprep/v1/health`: is the server up, is its database answering, is the instrument simulated."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import TypeAdapter
from starlette.responses import Response

from mlprep import __version__
from mlprep.api.dependencies import ServicesDep
from mlprep.api.prepared import JsonBody
from mlprep.contract.health import Health
from mlprep.services import Services
from mlprep.store.database import database_kind

router = APIRouter(tags=["mlprep"])
_HEALTH: TypeAdapter[Health] = TypeAdapter(Health)


async def health_body(services: Services) -> bytes:
    """The health report as JSON (the route's, and the hot-read lane's: api/hot_reads.py)."""
    database_ok = await services.database_check.answers()
    driven_by = services.server_lock.other_driver
    health = Health(
        status="Healthy" if database_ok and driven_by is None else "Unhealthy",
        version=__version__,
        database=f"{database_kind(services.engine)}: {'ok' if database_ok else 'unreachable'}",
        simulated=True,
        instrument_id=services.settings.instrument_id,
        serial_number=services.settings.serial_number,
        now=services.clock.now().astimezone(services.instrument.info.time_zone),
        driven_by=driven_by,
    )
    return _HEALTH.dump_json(health, by_alias=True, exclude_none=True)


@router.get(
    "/health",
    operation_id="getHealth",
    response_description="The server and its database answer",
    summary="Server health",
    response_model=Health,
)
async def health(services: ServicesDep) -> Response:
    return JsonBody(await health_body(services))
