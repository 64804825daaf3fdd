"""What a client does with mlprep beyond single requests: log in, drive a whole maintenance run."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from bench.load import Connection, RawResponse, request_bytes

JSON = ("Content-Type", "application/json")
CURRENT_RUN = "/mlprep/v1/runs/current"
CLOSE_VIEW = "/api/v1/maintenance/close-view"
LOT_NUMBER = "LOT-BENCH-001"
# A run at --speed 0 needs a handful of polls; this many means something is wrong.
MAX_POLLS_PER_RUN = 1000
POLL_PAUSE_SECONDS = 0.001


def login_request(port: int, user: str, password: str) -> bytes:
    """The bytes of `POST /api/v1/authenticate` for `user`."""
    body = json.dumps({"userName": user, "password": password}).encode()
    return request_bytes(port, "POST", "/api/v1/authenticate", headers=[JSON], body=body)


def json_body(response: RawResponse, expected_status: int = 200) -> Any:
    """The parsed JSON body of `response`, which must have `expected_status`."""
    if response.status != expected_status:
        raise RuntimeError(f"expected {expected_status}, got {response.status}: {response.body!r}")
    return json.loads(response.body)


async def log_in(port: int, user: str, password: str) -> str:
    """A bearer token for `user`."""
    connection = Connection(port)
    try:
        token: str = json_body(await connection.send(login_request(port, user, password)))["token"]
        return token
    finally:
        await connection.close()


@dataclass(frozen=True)
class RunTiming:
    """One maintenance run driven to its end."""

    seconds: float
    requests: int
    state: str


async def drive_run(connection: Connection, port: int, token: str, procedure_id: str) -> RunTiming:
    """Start `procedure_id` and answer its views until it ends, as a polling client would."""
    started = time.perf_counter()
    run_id = await start_run(connection, port, token, procedure_id)
    requests = 1 + await finish_run(connection, port, token, run_id)
    seconds = time.perf_counter() - started
    ended = json_body(
        await connection.send(
            request_bytes(port, "GET", f"/mlprep/v1/runs/{run_id}", headers=[_auth(token)])
        )
    )
    return RunTiming(seconds, requests, ended["state"])


async def start_run(connection: Connection, port: int, token: str, procedure_id: str) -> str:
    """Start `procedure_id`; the new run's id."""
    start = request_bytes(
        port, "POST", f"/api/v1/maintenance/{procedure_id}", headers=[_auth(token)]
    )
    run_id: str = json_body(await connection.send(start))["runId"]
    return run_id


async def open_run(connection: Connection, port: int, token: str, procedure_id: str) -> str:
    """Start `procedure_id` and wait until it shows its first view: a run in progress, waiting
    for the operator (what `GET /mlprep/v1/runs/current` then reads). The run's id."""
    run_id = await start_run(connection, port, token, procedure_id)
    poll = request_bytes(port, "GET", CURRENT_RUN, headers=[_auth(token)])
    for _ in range(MAX_POLLS_PER_RUN):
        response = await connection.send(poll)
        if response.status == 200 and json_body(response)["openView"] is not None:
            return run_id
        if response.status == 204:
            break
        await asyncio.sleep(POLL_PAUSE_SECONDS)
    raise RuntimeError(f"run {run_id} showed no view")


async def finish_run(connection: Connection, port: int, token: str, run_id: str) -> int:
    """Answer the current run's views until it ends; the requests that took.

    Views are answered Yes when they ask a question, with a lot number when they want input, and
    Ok otherwise.
    """
    auth = _auth(token)
    poll = request_bytes(port, "GET", CURRENT_RUN, headers=[auth])
    requests = 0
    for _ in range(MAX_POLLS_PER_RUN):
        response = await connection.send(poll)
        requests += 1
        if response.status == 204:
            return requests
        view = json_body(response)["openView"]
        if view is None:
            await asyncio.sleep(POLL_PAUSE_SECONDS)
            continue
        answer = {
            "viewId": view["viewId"],
            "viewResult": "Yes" if view["kind"] == "Question" else "Ok",
            "viewInput": LOT_NUMBER if view["inputRequired"] else None,
        }
        close = request_bytes(
            port, "POST", CLOSE_VIEW, headers=[auth, JSON], body=json.dumps(answer).encode()
        )
        closed = await connection.send(close)
        requests += 1
        if closed.status != 200:
            raise RuntimeError(f"close-view answered {closed.status}: {closed.body!r}")
    raise RuntimeError(f"run {run_id} did not end within {MAX_POLLS_PER_RUN} polls")


def _auth(token: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {token}")
