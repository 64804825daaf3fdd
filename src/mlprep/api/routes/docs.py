"""Interactive API documentation that works with no network: Swagger UI at `/docs` and ReDoc at
`/redoc`, their scripts and styles served from the package (`api/static/docs`, copied from the
npm packages `swagger-ui-dist` 5 and `redoc` 2 with their licences), under a strict
Content-Security-Policy that allows nothing from elsewhere.

One change to the copied `redoc.standalone.js`: the logo in its sidebar's footer, which it
fetched from cdn.redoc.ly (refused by the policy: an error in the browser's console on every
load), is `redoc-logo-mini.svg` from here. Swagger UI is told not to fetch the online validator's
badge."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from mlprep.api.secured_static import BASE_HEADERS, SecuredStaticFiles

ASSETS = Path(__file__).resolve().parents[1] / "static" / "docs"
ASSETS_PATH = "/docs-assets"
TITLE = "ML Prep API (v1) - mlprep"
# Swagger UI starts itself from one inline script; ReDoc runs its search in a blob worker.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {**BASE_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}

router = APIRouter(include_in_schema=False)


def _secured(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(SECURITY_HEADERS)
    return page


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _secured(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{TITLE} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url="data:,",
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _secured(
        get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{TITLE} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url="data:,",
            with_google_fonts=False,
        )
    )


def mount_documentation(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets (the app is made with docs_url=None)."""
    app.include_router(router)
    app.mount(
        ASSETS_PATH,
        SecuredStaticFiles(directory=ASSETS, headers=SECURITY_HEADERS),
        name="docs-assets",
    )
