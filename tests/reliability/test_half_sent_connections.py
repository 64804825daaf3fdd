"""A thousand connections that send half a request head, under a 1,024 open-file limit.

uvicorn kept such connections open for good (a slowloris), HTTP requests and WebSocket
upgrades alike, and accepted new ones until the process was out of descriptors, when its
event loop reset every new client. Now the server holds at most as many connections as its
open-file limit leaves room for, tells the next one 503 with a problem body, and closes a
connection whose head has not arrived whole within the header timeout (408).
"""

from __future__ import annotations

import json
import resource
import selectors
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, log_in

OPEN_FILES = 1024
HALF_SENT = 1000
HEADER_SECONDS = 3
HALF_REQUEST = b"GET /mlprep/v1/health HTTP/1.1\r\nHost: prep\r\nAccept: application/json\r\n"
HALF_UPGRADE = (
    b"GET /NimbusLite/instinctevents HTTP/1.1\r\nHost: prep\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
)
EVENTUALLY = 60.0  # a bound against hanging, not a timing check


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * HALF_SENT:  # this process holds the other ends
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * HALF_SENT), hard))
    server = ServerProcess(
        tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0", "--header-timeout", str(HEADER_SECONDS)],
        open_files=OPEN_FILES,
    )
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that gives a request head one second."""
    data_dir = tmp_path_factory.mktemp("quick-heads") / "data"
    server = ServerProcess(
        data_dir, admin_password=ADMIN_PASSWORD, args=["--speed", "0", "--header-timeout", "1"]
    )
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


def half_sent(server: ServerProcess, count: int) -> list[socket.socket]:
    """`count` connections that send half a request head (every other one an upgrade)."""
    held = []
    for number in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port or 0), timeout=EVENTUALLY)
        sock.sendall(HALF_UPGRADE if number % 2 else HALF_REQUEST)
        held.append(sock)
    return held


def answers_until_closed(held: list[socket.socket]) -> list[bytes | OSError]:
    """What each connection receives until the server closes it (or the error it meets)."""
    received: dict[socket.socket, bytearray] = {sock: bytearray() for sock in held}
    ended: dict[socket.socket, bytes | OSError] = {}
    with selectors.DefaultSelector() as selector:
        for sock in held:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + EVENTUALLY
        while len(ended) < len(held) and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1.0):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    chunk = sock.recv(65536)
                except OSError as error:
                    chunk, ended[sock] = b"", error
                if not chunk:
                    ended.setdefault(sock, bytes(received[sock]))
                    selector.unregister(sock)
                received[sock] += chunk
    for sock in held:
        sock.close()
    return [ended.get(sock, OSError("still open")) for sock in held]


def status_and_problem(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), answer
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_half_sent_heads_are_refused_or_timed_out_and_new_clients_get_an_answer(
    server: ServerProcess,
) -> None:
    held = half_sent(server, HALF_SENT)
    try:
        # While they are held, a new client gets its answer or a clear refusal: never a reset.
        with server.client() as http:
            health = http.get("/mlprep/v1/health")
        try:
            with connect(f"ws://127.0.0.1:{server.port}/NimbusLite/instinctevents"):
                websocket_status = 101
        except InvalidStatus as refusal:
            websocket_status = refusal.response.status_code
    finally:
        # Each half-sent connection is told why it ends, then closed by the server.
        answers = answers_until_closed(held)

    assert health.status_code in (200, 503)
    if health.status_code == 503:
        assert health.headers["content-type"] == "application/problem+json"
        assert "connections open" in health.json()["detail"]
        assert health.headers["retry-after"] == "1"
    assert websocket_status in (101, 503)

    assert not [answer for answer in answers if isinstance(answer, OSError)]
    statuses = [status_and_problem(answer)[0] for answer in answers if isinstance(answer, bytes)]
    assert set(statuses) == {408, 503}  # 1,000 did not fit under 1,024 files: some were refused
    late = next(a for a in answers if isinstance(a, bytes) and a.startswith(b"HTTP/1.1 408"))
    assert f"within {HEADER_SECONDS} s" in str(status_and_problem(late)[1]["detail"])

    # Afterwards everything works.
    with server.client() as http:
        assert http.get("/mlprep/v1/health").status_code == 200
        assert log_in(http, "admin", ADMIN_PASSWORD)
    with connect(f"ws://127.0.0.1:{server.port}/NimbusLite/instinctevents") as websocket:
        assert websocket.protocol.state.name == "OPEN"
    assert b"mlprep.connections" in server.log().encode()


def test_a_client_that_sends_nothing_is_closed_without_a_word(
    quick_server: ServerProcess,
) -> None:
    silent = socket.create_connection(("127.0.0.1", quick_server.port or 0), timeout=EVENTUALLY)

    [answer] = answers_until_closed([silent])

    assert answer == b""
    with quick_server.client() as http:
        assert http.get("/mlprep/v1/health").status_code == 200


@pytest.mark.parametrize("head", [HALF_REQUEST, HALF_UPGRADE], ids=["request", "upgrade"])
def test_a_head_dribbled_byte_by_byte_is_timed_out_too(
    quick_server: ServerProcess, head: bytes
) -> None:
    slow = socket.create_connection(("127.0.0.1", quick_server.port or 0), timeout=EVENTUALLY)
    deadline = time.monotonic() + EVENTUALLY
    answer = b""
    try:
        for byte in head * 100:  # longer than the header timeout at 10 bytes a second
            assert time.monotonic() < deadline
            slow.sendall(bytes([byte]))
            slow.settimeout(0.1)
            try:
                answer = slow.recv(65536)
            except TimeoutError:
                continue
            break
    except OSError as error:
        pytest.fail(f"the server reset a slow client instead of answering it: {error!r}")
    finally:
        slow.close()

    assert status_and_problem(answer)[0] == 408
    with quick_server.client() as http:
        assert http.get("/mlprep/v1/health").status_code == 200
