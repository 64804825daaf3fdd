"""The web console at `/`: one page and its scripts and styles, served from the package
(`api/static/console`), with no build step and nothing loaded from elsewhere. The page talks to
the API with the signed-in user's token, like any other client."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse

from mlprep.api.secured_static import BASE_HEADERS, SecuredStaticFiles

ASSETS = Path(__file__).resolve().parents[1] / "static" / "console"
ASSETS_PATH = "/console"
# Scripts and styles only from this server; images from here (and data: for the favicon); the
# event stream and API calls to here. Nothing inline, no frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    **BASE_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # The page and its scripts change with each release: always check for a newer one.
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def console() -> FileResponse:
    return FileResponse(ASSETS / "index.html", headers=SECURITY_HEADERS, media_type="text/html")


def mount_console(app: FastAPI) -> None:
    """Serve the console at `/` and its assets under `/console`."""
    app.include_router(router)
    app.mount(
        ASSETS_PATH, SecuredStaticFiles(directory=ASSETS, headers=SECURITY_HEADERS), name="console"
    )
