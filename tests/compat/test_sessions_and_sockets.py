"""The instrument's session rules as its clients meet them: the inactivity logout with its
warning on the event socket (here shortened to seconds), and the sockets' token requirement
when the server is told to ask for one (`--events-auth token`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import websocket

from tests.compat.instrument_client import Prep, receive_code
from tests.e2e.conftest import ServerFactory
from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD

# Fractions of a minute, so that the test waits seconds: 3 s of inactivity, 1.5 s of warning.
QUICK_LOGOUT = {"MLPREP_INACTIVE_LOGOUT": "0.05", "MLPREP_LOGOUT_COUNTDOWN": "0.025"}


@pytest.fixture
def quick_logout(server_factory: ServerFactory) -> Iterator[ServerProcess]:
    server = server_factory(args=["--speed", "0"], env=QUICK_LOGOUT).start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


def test_an_unused_session_is_warned_on_the_socket_then_logged_out(
    quick_logout: ServerProcess,
) -> None:
    prep = Prep(quick_logout.base_url)
    with prep.socket("instinctevents") as events:
        answer = prep.login("admin", ADMIN_PASSWORD)

        warning = receive_code(events, "logoutcountdown")

    assert (answer["inactiveLogout"], answer["logoutCountdown"]) == (1, 1)  # whole minutes
    assert warning["data"]["userName"] == "admin"
    assert warning["data"]["secondsLeft"] >= 0

    # Every request is a use: stay quiet until the time the warning names has passed.
    time.sleep(warning["data"]["secondsLeft"] + 0.5)
    response = prep.request("GET", "maintenance")
    assert response.status_code == 401
    assert "not used for" in response.json()["detail"]
    prep.login("admin", ADMIN_PASSWORD)
    assert prep.request("GET", "maintenance").status_code == 200


def test_with_events_auth_token_the_sockets_want_one(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--speed", "0"], env={"MLPREP_EVENTS_AUTH": "token"}).start()
    prep = Prep(server.base_url)

    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{prep.ws}/instinctevents", timeout=10)
    token = prep.login("admin", ADMIN_PASSWORD)["token"]
    with prep.socket("instincterrors", header=[f"Authorization: Bearer {token}"]) as errors:
        errors.ping()

    assert refused.value.status_code == 401
    assert server.stop() == 0, server.log()
