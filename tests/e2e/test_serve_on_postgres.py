"""`mlprep serve --database-url postgresql://…`: the whole server on a real PostgreSQL.

A procedure runs to completion, and everything acknowledged is still there after a restart.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import ServerFactory
from tests.postgres import PostgresCluster
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"


@pytest.mark.postgres
def test_a_run_completes_and_survives_a_restart_on_postgresql(
    server_factory: ServerFactory, postgres_cluster: PostgresCluster
) -> None:
    url = postgres_cluster.create_database()
    server = server_factory(args=["--speed", "0", "--database-url", url]).start()
    try:
        with server.client() as client:
            health = client.get("/mlprep/v1/health").json()
            assert health["database"] == "postgresql: ok"
            headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
            assert client.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
            for _ in range(500):
                current = client.get("/mlprep/v1/runs/current", headers=headers)
                if current.status_code == 204:
                    break
                view = current.json()["openView"]
                if view is not None:
                    answer = "Yes" if "Yes" in view["results"] else "Ok"
                    client.post(
                        "/api/v1/maintenance/close-view",
                        headers=headers,
                        json={"viewId": view["viewId"], "viewResult": answer},
                    )
                else:
                    time.sleep(0.02)
            daily = client.get(f"/api/v1/maintenance/{DAILY}", headers=headers).json()
            assert daily["status"] == "Ok"
        assert server.stop() == 0

        # The SQLite file is not used: the data directory holds only the secrets.
        assert not (server.data_dir / "mlprep.db").exists()
        server.start()
        with server.client() as client:
            headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
            after = client.get(f"/api/v1/maintenance/{DAILY}", headers=headers).json()
            assert after == daily
            counters = client.get("/api/v1/maintenance/channel-counters", headers=headers).json()
            assert [c["tipPickUpCounter"] for c in counters] == [1, 1]
            runs = client.get("/mlprep/v1/runs", headers=headers).json()
            assert [run["state"] for run in runs["items"]] == ["Completed"]
        assert server.stop() == 0
    finally:
        postgres_cluster.drop_database(url)
