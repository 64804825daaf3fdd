"""The application factory: `create_app(settings)` builds one server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from mlprep import __version__
from mlprep.api.middleware import RequestContextMiddleware
from mlprep.api.problems import install_problem_handlers
from mlprep.api.routes import audit, authenticate, health, maintenance, runs
from mlprep.services import Services, open_services
from mlprep.settings import Settings

VENDOR_PREFIXES = ("/api/v1", "/NimbusLite/api/v1")
OUR_PREFIX = "/mlprep/v1"

DESCRIPTION = """
The maintenance part of the **ML Prep API (v1)**, answered by mlprep with a simulated instrument.

Every vendor operation answers identically under `/api/v1` and `/NimbusLite/api/v1` (only the
first is listed here). mlprep's own additions live under `/mlprep/v1`.
"""


def vendor_router() -> APIRouter:
    """The vendor's operations, ready to be mounted under each prefix."""
    router = APIRouter()
    router.include_router(authenticate.router)
    router.include_router(maintenance.router)
    return router


def create_app(
    settings: Settings, services_factory: Callable[[Settings], Services] | None = None
) -> FastAPI:
    """Build the application; its services open in the lifespan (tests may pass a factory)."""
    factory = services_factory or open_services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = factory(settings)
        app.state.services = services
        services.engine_runs.recover()
        try:
            yield
        finally:
            await services.engine_runs.shutdown()
            services.bus.close()
            services.close()

    app = FastAPI(
        title="ML Prep API (v1) - mlprep",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_problem_handlers(app)
    vendor = vendor_router()
    for position, prefix in enumerate(VENDOR_PREFIXES):
        app.include_router(vendor, prefix=prefix, include_in_schema=position == 0)
    app.include_router(health.router, prefix=OUR_PREFIX)
    app.include_router(audit.router, prefix=OUR_PREFIX)
    app.include_router(runs.router, prefix=OUR_PREFIX)

    @app.get("/swagger/v1/swagger.json", include_in_schema=False)
    def swagger_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_middleware(RequestContextMiddleware, simulated=True)
    return app
