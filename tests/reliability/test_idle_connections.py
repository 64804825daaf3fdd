"""Idle connections are closed; open event streams are not, however quiet.

A kept-alive connection that sends no next request is closed after the idle timeout (a client
such as httpx then opens a new one, unseen). An SSE stream and a WebSocket are long-lived by
design: they stay open through many idle and header timeouts and deliver the next event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

IDLE_SECONDS = 0.5
QUIET_SECONDS = 4 * IDLE_SECONDS  # longer than every timeout the server was given
EVENTUALLY = 30.0  # a bound against hanging, not a timing check


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("idle") / "data"
    timeouts = ["--idle-timeout", str(IDLE_SECONDS), "--header-timeout", str(IDLE_SECONDS)]
    server = ServerProcess(
        data_dir, admin_password=ADMIN_PASSWORD, args=["--speed", "0", *timeouts]
    )
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


def test_a_kept_alive_connection_left_idle_is_closed(server: ServerProcess) -> None:
    connection = HTTPConnection("127.0.0.1", server.port, timeout=EVENTUALLY)
    connection.request("GET", "/mlprep/v1/health")
    answer = connection.getresponse()
    body = answer.read()
    assert connection.sock is not None

    after = connection.sock.recv(1)  # nothing more is asked: the server closes the connection

    connection.close()
    assert (answer.status, answer.getheader("connection")) == (200, None)  # kept alive
    assert json.loads(body)["status"]
    assert after == b""


def test_a_client_does_not_notice_its_idle_connection_was_closed(server: ServerProcess) -> None:
    with server.client() as http:
        assert http.get("/mlprep/v1/health").status_code == 200
        time.sleep(QUIET_SECONDS)

        assert http.get("/mlprep/v1/health").status_code == 200


def test_quiet_event_streams_stay_open_and_deliver_the_next_event(server: ServerProcess) -> None:
    url = f"ws://127.0.0.1:{server.port}/NimbusLite/instinctevents"
    with server.client() as http, connect(url) as websocket:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        with httpx.stream(
            "GET", f"{server.base_url}/mlprep/v1/events", headers=headers, timeout=EVENTUALLY
        ) as sse:
            assert sse.status_code == 200
            lines = sse.iter_lines()
            time.sleep(QUIET_SECONDS)

            moved = http.put(
                "/mlprep/v1/simulator/counters/Front", json={"tipEjectCounter": 7}, headers=headers
            )
            assert moved.status_code == 200

            message = json.loads(websocket.recv(timeout=EVENTUALLY))
            assert message["code"] == "counters"
            assert next(line for line in lines if line.startswith("event:")) == "event: counters"
