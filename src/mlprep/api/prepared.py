"""Response bodies serialized once per state, not once per request.

The domain hands out the same object for as long as what it describes has not changed (the
procedure listing, the counters, the UV setting), so the JSON bytes of that object can be kept
and sent again. A route declares its `response_model` as before (the OpenAPI document is
unchanged) and returns `JsonBody(prepared.body(value))`: the bytes are those FastAPI would have
produced from the model (pydantic's JSON, camelCase aliases).
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import TypeAdapter
from starlette.responses import Response

# Bodies kept per route: a few states' worth (one per procedure for GET /maintenance/{id}).
KEPT = 32


class JsonBody(Response):
    """A 200 `application/json` response with a body serialized earlier."""

    media_type = "application/json"


class PreparedJson:
    """The JSON bodies of the last values a route returned, by the values' identity."""

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)
        # id(value) -> (value, body); the value is kept so that its id cannot be reused.
        self._bodies: dict[int, tuple[object, bytes]] = {}
        self._lock = threading.Lock()

    def body(self, value: object) -> bytes:
        """`value` as JSON, serialized on its first request only."""
        kept = self._bodies.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        body = self._adapter.dump_json(value, by_alias=True)
        with self._lock:
            if len(self._bodies) >= KEPT:
                self._bodies.clear()
            self._bodies[id(value)] = (value, body)
        return body
