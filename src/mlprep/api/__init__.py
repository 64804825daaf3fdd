"""HTTP, WebSocket and SSE: routers that translate between the wire and the services."""
