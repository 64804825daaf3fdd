"""The in-process event bus; the WebSocket and SSE transports subscribe to it."""
