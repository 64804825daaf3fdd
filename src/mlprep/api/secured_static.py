"""Static files served with security headers (the console's and the API docs' assets)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from os import PathLike

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecuredStaticFiles(StaticFiles):
    """StaticFiles whose every answer carries `headers` (a Content-Security-Policy among them)."""

    def __init__(self, *, directory: PathLike[str] | str, headers: Mapping[str, str]) -> None:
        super().__init__(directory=directory)
        self._headers = dict(headers)

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(self._headers)
        return response
