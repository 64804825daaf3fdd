"""With PostgreSQL across a network (5 ms each way, through a delaying proxy), reads and event
streams keep flowing while a run writes: holding the database's traffic in the middle of a
run's write leaves every read answering and the event stream alive, and the run goes on once
the database answers again. Nothing here measures time: the held database proves that the
answers did not wait for it."""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.instrument_session import receive_until, websocket
from tests.e2e.server import ServerProcess
from tests.latency_proxy import LatencyProxy
from tests.postgres import PostgresCluster
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"
READS = [
    "/api/v1/maintenance",
    f"/api/v1/maintenance/{DAILY}",
    "/api/v1/maintenance/channel-counters",
    "/api/v1/maintenance/uv-routine-settings",
    "/api/v1/authenticate/check-authentication",
]
# A bound against hanging, not a timing check: a read that waited for the held database would
# never answer before the database is released.
ANSWER_SECONDS = 10.0


@pytest.fixture
def proxied_server(
    server_factory: ServerFactory, postgres_cluster: PostgresCluster
) -> Iterator[tuple[ServerProcess, LatencyProxy]]:
    url = postgres_cluster.create_database()
    with LatencyProxy(postgres_cluster.port, delay=0.005) as proxy:
        through_proxy = url.replace(f":{postgres_cluster.port}/", f":{proxy.port}/")
        server = server_factory(args=["--speed", "0", "--database-url", through_proxy]).start()
        try:
            yield server, proxy
            proxy.release()
            assert server.stop() == 0, server.log()
        finally:
            proxy.release()
            postgres_cluster.drop_database(url)


@pytest.mark.postgres
def test_reads_and_events_flow_while_a_run_write_waits_for_the_database(
    proxied_server: tuple[ServerProcess, LatencyProxy],
) -> None:
    server, proxy = proxied_server
    with (
        server.client() as client,
        httpx.Client(base_url=server.base_url, timeout=ANSWER_SECONDS) as reader,
        concurrent.futures.ThreadPoolExecutor(1) as background,
    ):
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        before = {path: reader.get(path, headers=headers).content for path in READS}
        with websocket(
            server, "/NimbusLite/instinctevents", token=headers["Authorization"][7:]
        ) as events:
            assert client.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
            [*_, opened] = receive_until(events, "maintenancedata")

            proxy.hold()  # the database stops answering; the answer below waits for its commit
            answering = background.submit(
                client.post,
                "/api/v1/maintenance/close-view",
                headers=headers,
                json={"viewId": opened["data"]["viewId"], "viewResult": "Ok"},
            )
            for _ in range(3):
                for path in READS:
                    response = reader.get(path, headers=headers)
                    assert response.status_code == 200, (path, response.text)
                    assert response.content == before[path]
                events.ping().wait(ANSWER_SECONDS)  # the stream's connection is served too
            assert not answering.done()  # the write is still waiting for the database

            proxy.release()
            assert answering.result(timeout=ANSWER_SECONDS * 3).status_code == 200
            [*_, next_view] = receive_until(events, "maintenancedata")
            assert next_view["data"]["viewId"] != opened["data"]["viewId"]
            assert json.loads(reader.get("/mlprep/v1/health").content)["status"] == "Healthy"


WAITING_FOR_THE_DATABASE = [
    ("GET", "/mlprep/v1/runs", None),
    ("GET", "/mlprep/v1/audit", None),
    ("GET", "/mlprep/v1/users", None),
    ("GET", "/api/v1/errors", None),
    ("POST", "/api/v1/authenticate", {"userName": "admin", "password": ADMIN_PASSWORD}),
]


@pytest.mark.postgres
def test_reads_flow_while_history_audit_users_and_a_login_wait_for_the_database(
    proxied_server: tuple[ServerProcess, LatencyProxy],
) -> None:
    server, proxy = proxied_server
    callers = [
        httpx.Client(base_url=server.base_url, timeout=ANSWER_SECONDS * 3)
        for _ in WAITING_FOR_THE_DATABASE
    ]
    with (
        server.client() as client,
        httpx.Client(base_url=server.base_url, timeout=ANSWER_SECONDS) as reader,
        concurrent.futures.ThreadPoolExecutor(len(callers)) as background,
    ):
        headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
        before = {path: reader.get(path, headers=headers).content for path in READS}
        for caller in callers:  # connected before the database stops answering
            assert caller.get("/mlprep/v1/health").status_code == 200

        proxy.hold()
        waiting = [
            background.submit(caller.request, method, path, headers=headers, json=body)
            for caller, (method, path, body) in zip(callers, WAITING_FOR_THE_DATABASE, strict=True)
        ]
        time.sleep(0.5)  # let them reach the server (nothing is timed: they wait for the database)
        for _ in range(3):
            for path in READS:
                response = reader.get(path, headers=headers)
                assert response.status_code == 200, (path, response.text)
                assert response.content == before[path]
        assert not any(call.done() for call in waiting)  # each is still waiting for the database

        proxy.release()
        for (_method, path, _body), call in zip(WAITING_FOR_THE_DATABASE, waiting, strict=True):
            assert call.result(timeout=ANSWER_SECONDS * 3).status_code == 200, path
    for caller in callers:
        caller.close()
