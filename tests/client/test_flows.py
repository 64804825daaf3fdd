"""The shared flows, driven by each face over a scripted transport: both faces send the same
requests in the same order and wait the same, whatever the server answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from mlprep.client import AsyncPrepClient, PrepClient, ServerUnreachable

Script = Callable[[httpx.Request], httpx.Response]
LOGIN = {
    "token": "fresh",
    "userName": "admin",
    "userId": "1",
    "expiresIn": 60,
    "inactiveLogout": 0,
    "logoutCountdown": 0,
    "passwordExpiresInDays": 90,
    "notifyPasswordExpiresSoon": False,
}


def a_refused_token_then_a_login() -> Script:
    """A 401 for the first token, then a login, then the call again."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticate"):
            return httpx.Response(200, json=LOGIN)
        if request.headers.get("authorization") == "Bearer fresh":
            return httpx.Response(200, json=[])
        return httpx.Response(401, json={"title": "Unauthorized", "status": 401})

    return answer


def no_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def sync_face(script: Script) -> tuple[list[str], list[float], object]:
    sent: list[str] = []
    waits: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path} {request.headers.get('authorization')}")
        return script(request)

    client = PrepClient(
        token="stale",
        user_name="admin",
        password="pw",
        transport=httpx.MockTransport(record),
        sleep=waits.append,
    )
    with client:
        outcome = _outcome(client.procedures)
    return sent, waits, outcome


def async_face(script: Script) -> tuple[list[str], list[float], object]:
    sent: list[str] = []
    waits: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path} {request.headers.get('authorization')}")
        return script(request)

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    async def go() -> object:
        async with AsyncPrepClient(
            token="stale",
            user_name="admin",
            password="pw",
            transport=httpx.MockTransport(record),
            sleep=wait,
        ) as client:
            try:
                return await client.procedures()
            except ServerUnreachable as error:
                return type(error)

    return sent, waits, asyncio.run(go())


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except ServerUnreachable as error:
        return type(error)


def test_a_refused_token_is_replaced_by_a_login_and_the_call_sent_again() -> None:
    blocking = sync_face(a_refused_token_then_a_login())

    assert async_face(a_refused_token_then_a_login()) == blocking
    assert blocking == (
        [
            "GET /api/v1/maintenance Bearer stale",
            "POST /api/v1/authenticate None",
            "GET /api/v1/maintenance Bearer fresh",
        ],
        [],
        [],
    )


def test_a_refused_connection_is_retried_after_the_same_waits() -> None:
    blocking = sync_face(no_connection)

    assert async_face(no_connection) == blocking
    assert blocking == (["GET /api/v1/maintenance Bearer stale"] * 3, [0.2, 0.4], ServerUnreachable)
