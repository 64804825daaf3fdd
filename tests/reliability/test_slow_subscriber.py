"""Event subscribers that read nothing while events flow are let go at once, and told why.

The bus dropped such a subscriber, but its connection stayed: the close waited behind a send
stuck on a client that took nothing (the kernel alone buffered 4 MB of events for it), and
after some 80 s the client saw 1011 (keepalive ping timeout). Now the subscription ends at
once, the WebSocket close (1013, Try Again Later) and the SSE stream's last words go out behind
what the client has not read, and a client that takes none of it within the send timeout is
cut off. Subscribers that read are not affected.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

# Long enough for the test, on a busy machine, to come to read what the stalled clients were sent.
SEND_SECONDS = 20
EVENTUALLY = 60.0  # a bound against hanging, not a timing check
MOST_EVENTS = 20_000
SUBSCRIBERS = re.compile(r"^mlprep_event_subscribers (\S+)$", re.MULTILINE)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0", "--send-timeout", str(SEND_SECONDS)],
    )
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


def eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + EVENTUALLY
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def small_socket(server: ServerProcess) -> socket.socket:
    """A connection whose receive buffer is small: a client on a slow link, or a stalled one."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(EVENTUALLY)
    sock.connect(("127.0.0.1", server.port or 0))
    return sock


class StalledWebSocket:
    """A WebSocket client that completes its handshake and then reads nothing until told to."""

    def __init__(self, server: ServerProcess, path: str) -> None:
        self.sock = small_socket(server)
        self.port = self.sock.getsockname()[1]
        self.protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{server.port}{path}"))
        self.protocol.send_request(self.protocol.connect())
        self.sock.sendall(b"".join(self.protocol.data_to_send()))
        while self.protocol.state is not State.OPEN:
            self.protocol.receive_data(self.sock.recv(4096))
            self.protocol.events_received()
        self.texts = 0

    def read_until_closed(self) -> tuple[int | None, str]:
        """Read everything that waits: the close code and reason seen (None: no close came)."""
        try:
            while self.protocol.close_rcvd is None and (chunk := self.sock.recv(65536)):
                self.protocol.receive_data(chunk)
                frames = self.protocol.events_received()
                self.texts += sum(1 for frame in frames if frame.opcode is Opcode.TEXT)
        except ConnectionResetError:
            pass  # cut off: what was received before the cut is all there is
        finally:
            self.sock.close()
        close = self.protocol.close_rcvd
        return (close.code, close.reason) if close else (None, "")


class StalledEventSource:
    """An SSE client that reads its response's head and then nothing until told to."""

    def __init__(self, server: ServerProcess, token: str) -> None:
        self.sock = small_socket(server)
        self.port = self.sock.getsockname()[1]
        request = f"GET /mlprep/v1/events?access_token={token} HTTP/1.1\r\nHost: prep\r\n\r\n"
        self.sock.sendall(request.encode())
        self.received = b""
        while b"\r\n\r\n" not in self.received:
            self.received += self.sock.recv(4096)
        assert self.received.startswith(b"HTTP/1.1 200 ")

    def read_until_ended(self) -> bytes:
        """Everything until the stream's last chunk, or until the connection ends."""
        try:
            while not self.received.endswith(b"\r\n0\r\n\r\n") and (chunk := self.sock.recv(65536)):
                self.received += chunk
        except ConnectionResetError:
            pass
        finally:
            self.sock.close()
        return self.received


class Reader(threading.Thread):
    """A subscriber that reads every event as it comes."""

    def __init__(self, websocket: ClientConnection) -> None:
        super().__init__(daemon=True)
        self.websocket = websocket
        self.events = 0

    def run(self) -> None:
        for _message in self.websocket:
            self.events += 1


def server_holds(server: ServerProcess, client_port: int) -> bool:
    """Whether the server process still has a socket open to this client port."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{server.pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if (local_port, remote_port) == (server.port, client_port):
                inodes.add(fields[9])
    descriptors = Path(f"/proc/{server.pid}/fd")
    held = {os.readlink(fd) for fd in descriptors.iterdir() if fd.name.isdigit()}
    return any(f"socket:[{inode}]" in held for inode in inodes)


def subscribers(http: httpx.Client) -> int:
    found = SUBSCRIBERS.search(http.get("/mlprep/v1/metrics").text)
    assert found is not None
    return int(float(found.group(1)))


def test_subscribers_that_read_nothing_are_let_go_and_told_why(server: ServerProcess) -> None:
    url = f"ws://127.0.0.1:{server.port}/NimbusLite/instinctevents"
    # The reader answers no keepalive pings of its own: a busy machine must not make it time out.
    with server.client() as http, connect(url, ping_interval=None) as reading:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        reads_later = StalledWebSocket(server, "/NimbusLite/instinctevents")
        never_reads = StalledWebSocket(server, "/NimbusLite/instinctevents")
        event_source = StalledEventSource(server, headers["Authorization"].split()[1])
        reader = Reader(reading)
        reader.start()
        assert subscribers(http) == 4

        published = 0
        while subscribers(http) > 1 and published < MOST_EVENTS:
            for _ in range(100):
                published += 1
                values = {"aspirateCounter": published}
                http.put("/mlprep/v1/simulator/counters/Front", json=values, headers=headers)

        # The three that read nothing were let go; the reader is still there.
        assert subscribers(http) == 1

        # Reading now, a WebSocket client finds the events it had not read, then 1013.
        code, reason = reads_later.read_until_closed()
        assert code == 1013 and "reconnect" in reason
        assert 0 < reads_later.texts < published
        assert eventually(lambda: not server_holds(server, reads_later.port))
        # So does the SSE client: the events, then why its stream ended.
        stream = event_source.read_until_ended()
        assert b"event: counters\n" in stream
        assert b": stream ended: fell too far behind; reconnect\n\n" in stream
        assert eventually(lambda: not server_holds(server, event_source.port))
        # One that never reads is cut off, after the send timeout.
        assert eventually(lambda: not server_holds(server, never_reads.port))
        never_reads.sock.close()

        # The reader was not affected: it got every event.
        assert eventually(lambda: reader.events == published)
        assert http.get("/mlprep/v1/health").status_code == 200
