"""Revoked access stops at once, streams included: a logout ends the event streams opened with
that token (WebSocket close 1008, the end of the SSE stream), and a new password or the user's
removal — through the server or by `mlprep users` on its data directory — ends every earlier
token of that user and their streams."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.instrument_session import websocket
from tests.e2e.server import MLPREP, ServerProcess, cli_environment
from tests.e2e.test_events import event_stream
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

# A bound against hanging, not a timing check: the server rechecks open streams every 5 s.
CLOSE_SECONDS = 30.0


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def users_command(server: ServerProcess, *args: str) -> None:
    """`mlprep users <args>` on the server's data directory, in a process of its own."""
    command = [str(MLPREP), "users", *args, "--data-dir", str(server.data_dir)]
    done = subprocess.run(command, env=cli_environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def closed_with(server: ServerProcess, token: str) -> Iterator[int | None]:
    """Opens an instinctevents WebSocket; yields once open, then the close code it got."""
    with websocket(server, "/NimbusLite/instinctevents", token=token) as connection:
        yield None
        with pytest.raises(ConnectionClosed) as closed:
            connection.recv(timeout=CLOSE_SECONDS)
        yield closed.value.rcvd.code if closed.value.rcvd else None


def test_a_logout_closes_that_tokens_websocket_with_1008(
    server: ServerProcess, http: httpx.Client
) -> None:
    token = log_in(http, "admin", ADMIN_PASSWORD)
    other = log_in(http, "admin", ADMIN_PASSWORD)
    watching = closed_with(server, token)
    next(watching)
    with websocket(server, "/NimbusLite/instinctevents", token=other) as untouched:
        assert http.delete("/api/v1/authenticate", headers=bearer(token)).status_code == 200

        assert next(watching) == 1008
        untouched.ping().wait(CLOSE_SECONDS)  # the other token's stream stays open


def test_a_logout_ends_that_tokens_server_sent_events(
    server: ServerProcess, http: httpx.Client
) -> None:
    token = log_in(http, "admin", ADMIN_PASSWORD)
    with event_stream(server, headers=bearer(token)) as stream:
        http.delete("/api/v1/authenticate", headers=bearer(token))

        with pytest.raises(EOFError):
            stream.next()
        assert any("revoked" in comment for comment in stream.comments)


def test_a_new_password_by_the_cli_ends_earlier_tokens_and_their_streams(
    server: ServerProcess, http: httpx.Client
) -> None:
    users_command(server, "add", "olga", "--password", "olgas password")
    token = log_in(http, "olga", "olgas password")
    watching = closed_with(server, token)
    next(watching)

    users_command(server, "passwd", "olga", "--password", "olgas new password")

    assert next(watching) == 1008
    check = http.get("/api/v1/authenticate/check-authentication", headers=bearer(token))
    assert "password or role changed" in assert_problem(check, 401)["detail"]
    fresh = log_in(http, "olga", "olgas new password")
    assert http.get("/api/v1/maintenance", headers=bearer(fresh)).status_code == 200


def test_removing_a_user_ends_their_server_sent_events(
    server: ServerProcess, http: httpx.Client
) -> None:
    users_command(server, "add", "bob", "--password", "bobs password")
    token = log_in(http, "bob", "bobs password")
    with event_stream(server, access_token=token) as stream:
        users_command(server, "remove", "bob")

        with pytest.raises(EOFError):
            stream.next()
