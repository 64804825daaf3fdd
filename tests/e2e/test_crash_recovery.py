"""A power cut mid-run: after `kill -9` and a restart, nothing acknowledged is lost.

The run that was in progress is `Interrupted`, its open view is closed, the counters are exactly
what had been committed, and SQLite's integrity check passes. An answer that ended a run, or an
acknowledged abort, survives the kill: the run is `Completed` or `Aborted` as answered.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import httpx

from tests.e2e.conftest import ServerFactory
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"
UV = "7ac9ab56282548e28269b9801c0ab353"


def wait_for_view(client: httpx.Client, headers: dict[str, str], title: str) -> dict[str, Any]:
    """The run in progress, once its open view has `title`."""
    for _ in range(500):
        response = client.get("/mlprep/v1/runs/current", headers=headers)
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        if run["openView"] and run["openView"]["title"] == title:
            return run
        time.sleep(0.02)
    raise AssertionError(f"the view '{title}' never opened")


def answer(client: httpx.Client, headers: dict[str, str], view_id: str, result: str) -> None:
    response = client.post(
        "/api/v1/maintenance/close-view",
        headers=headers,
        json={"viewId": view_id, "viewResult": result},
    )
    assert response.status_code == 200, response.text


def test_kill_while_waiting_for_a_view(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--speed", "0"]).start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        assert client.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
        for title in ("Clear the deck", "Empty the tip waste"):
            answer(
                client, headers, wait_for_view(client, headers, title)["openView"]["viewId"], "Ok"
            )
        # Both tip checks have completed and committed their counters; the run now asks.
        run = wait_for_view(client, headers, "Deck wiped?")
        counters_before = client.get("/api/v1/maintenance/channel-counters", headers=headers)

    assert server.kill() != 0
    server.start()

    assert (  # the server's log says what it did, and why
        f"run {run['id']} (Daily Maintenance) was unfinished at start-up (the server had stopped "
        "while it ran); marked Interrupted: it is not resumed, start the procedure again"
    ) in server.log()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        assert client.get("/mlprep/v1/runs/current", headers=headers).status_code == 204
        after = client.get(f"/mlprep/v1/runs/{run['id']}", headers=headers).json()
        assert after["state"] == "Interrupted"
        assert after["openView"] is None
        assert all(view["closedAt"] is not None for view in after["views"])
        counters = client.get("/api/v1/maintenance/channel-counters", headers=headers).json()
        assert counters == counters_before.json()
        assert [c["tipPickUpCounter"] for c in counters] == [1, 1]
        daily = client.get(f"/api/v1/maintenance/{DAILY}", headers=headers).json()
        assert daily["lastExecutionTime"] == "0001-01-01T00:00:00+00:00"
        # The interrupted view cannot be answered any more, and a new run can start.
        stale = client.post(
            "/api/v1/maintenance/close-view",
            headers=headers,
            json={"viewId": run["openView"]["viewId"], "viewResult": "Yes"},
        )
        assert stale.status_code == 404
        assert client.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
    assert server.stop() == 0

    with sqlite3.connect(server.data_dir / "mlprep.db") as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_kill_during_an_action(server_factory: ServerFactory) -> None:
    # At real speed the UV lamp burns for 15 minutes: the kill comes in the middle of it.
    server = server_factory(args=["--speed", "1"]).start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        assert client.post(f"/api/v1/maintenance/{UV}", headers=headers).status_code == 200
        door = wait_for_view(client, headers, "Close the front door")
        answer(client, headers, door["openView"]["viewId"], "Ok")
        for _ in range(500):
            run = client.get("/mlprep/v1/runs/current", headers=headers).json()
            if run["state"] == "Running" and run["progress"]["step"] == 2:
                break
            time.sleep(0.02)
        assert run["progress"]["stepTitle"] == "UV lamp on (15 min)"

    server.kill()
    server.start()

    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        after = client.get(f"/mlprep/v1/runs/{run['id']}", headers=headers).json()
        assert after["state"] == "Interrupted"
        uv = client.get(f"/api/v1/maintenance/{UV}", headers=headers).json()
        assert uv["lastExecutionTime"] == "0001-01-01T00:00:00+00:00"
        history = client.get("/mlprep/v1/runs", headers=headers).json()
        assert [item["state"] for item in history["items"]] == ["Interrupted"]
    assert server.stop() == 0


def test_kill_right_after_the_last_answer_keeps_the_completed_run(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(args=["--speed", "0"]).start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        assert client.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
        for title, result in (("Clear the deck", "Ok"), ("Empty the tip waste", "Ok")):
            view = wait_for_view(client, headers, title)["openView"]
            answer(client, headers, view["viewId"], result)
        run = wait_for_view(client, headers, "Deck wiped?")
        answer(client, headers, run["openView"]["viewId"], "Yes")
    server.kill()  # at once after the 200: the run's end was committed with the answer

    server.start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        after = client.get(f"/mlprep/v1/runs/{run['id']}", headers=headers).json()
        daily = client.get(f"/api/v1/maintenance/{DAILY}", headers=headers).json()
    assert server.stop() == 0
    assert after["state"] == "Completed"
    assert (daily["status"], daily["lastExecutionTime"][:4]) == ("Ok", after["endedAt"][:4])


def test_kill_right_after_an_abort_keeps_the_abort(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--speed", "1"]).start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        assert client.post(f"/api/v1/maintenance/{UV}", headers=headers).status_code == 200
        door = wait_for_view(client, headers, "Close the front door")
        answer(client, headers, door["openView"]["viewId"], "Ok")  # the lamp burns 15 min
        assert client.post("/api/v1/maintenance/abort", headers=headers).status_code == 200
    server.kill()

    server.start()
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        after = client.get(f"/mlprep/v1/runs/{door['id']}", headers=headers).json()
    assert server.stop() == 0
    assert after["state"] == "Aborted"
