"""A TCP proxy on 127.0.0.1 that delays every chunk it forwards, and can hold all traffic.

It stands between a server and its PostgreSQL, so that a test can give the database a network's
latency (5 ms each way) and, with `hold()`, make it stop answering while a write is in flight:
whatever keeps answering then does not wait for the database.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Self

CHUNK = 65536


class LatencyProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target_port`, `delay` seconds late each way."""

    def __init__(self, target_port: int, delay: float = 0.005) -> None:
        self.target_port = target_port
        self.delay = delay
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, name="latency-proxy", daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def hold(self) -> None:
        """Stop forwarding: bytes wait in the proxy (the database seems to hang)."""
        self._flowing.clear()

    def release(self) -> None:
        """Forward again, the waiting bytes first."""
        self._flowing.set()

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self._closed.set()
        self._flowing.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for connection in self._sockets:
                with contextlib.suppress(OSError):
                    connection.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(CHUNK):
                time.sleep(self.delay)
                self._flowing.wait()
                target.sendall(chunk)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
