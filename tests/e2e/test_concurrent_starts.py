"""Fifty clients start a procedure at the same moment: exactly one run starts."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"
CLIENTS = 50


async def start_all(base_url: str, headers: dict[str, str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as client:
        gate = asyncio.Event()

        async def start() -> httpx.Response:
            await gate.wait()
            return await client.post(f"/api/v1/maintenance/{DAILY}", headers=headers)

        tasks = [asyncio.create_task(start()) for _ in range(CLIENTS)]
        await asyncio.sleep(0)
        gate.set()
        return await asyncio.gather(*tasks)


def test_fifty_concurrent_starts_make_one_run(server: ServerProcess) -> None:
    with server.client() as client:
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))

    responses = asyncio.run(start_all(server.base_url, headers))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (CLIENTS - 1)
    winner = next(r for r in responses if r.status_code == 200).json()["runId"]
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.headers["content-type"] == "application/problem+json"
        assert "Daily Maintenance" in refused.json()["detail"]
        assert winner in refused.json()["detail"]
    with server.client() as client:
        runs = client.get("/mlprep/v1/runs", headers=headers).json()
    assert runs["total"] == 1
    assert runs["items"][0]["id"] == winner
