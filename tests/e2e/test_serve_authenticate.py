"""A real `mlprep serve`: first start, the Authenticate operations over HTTP under both prefixes,
the private files in the data directory, restarts, and a graceful stop on SIGTERM."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.server import MLPREP, ServerProcess, cli_environment
from tests.postgres import free_port
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, VENDOR_PREFIXES, bearer, log_in


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("prefix", VENDOR_PREFIXES)
def test_every_authenticate_operation_over_http(server: ServerProcess, prefix: str) -> None:
    with server.client() as http:
        login = http.post(
            f"{prefix}/authenticate", json={"userName": "admin", "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200
        assert login.headers["x-instrument-simulated"] == "true"
        headers = bearer(login.json()["token"])

        check = http.get(f"{prefix}/authenticate/check-authentication", headers=headers)
        assert (check.status_code, check.content) == (200, b"")

        renewed = http.post(f"{prefix}/authenticate/renew-token", headers=headers)
        assert renewed.status_code == 200
        assert renewed.json()["token"] != login.json()["token"]

        logout = http.delete(f"{prefix}/authenticate", headers=headers)
        assert (logout.status_code, logout.content) == (200, b"")

        after = http.get(f"{prefix}/authenticate/check-authentication", headers=headers)
        assert_problem(after, 401)
        renewed_headers = bearer(renewed.json()["token"])
        still = http.get(f"{prefix}/authenticate/check-authentication", headers=renewed_headers)
        assert still.status_code == 200


@pytest.mark.parametrize("prefix", VENDOR_PREFIXES)
def test_failures_over_http_are_problems(server: ServerProcess, prefix: str) -> None:
    with server.client() as http:
        wrong = {"userName": "admin", "password": "wrong password"}
        assert_problem(http.post(f"{prefix}/authenticate", json=wrong), 401)
        assert_problem(http.post(f"{prefix}/authenticate/renew-token"), 401)
        assert_problem(http.delete(f"{prefix}/authenticate"), 401)
        assert_problem(http.post(f"{prefix}/authenticate", content=b"{"), 415)
        too_big = b" " * (1024 * 1024 + 1)
        headers = {"Content-Type": "application/json"}
        assert_problem(http.post(f"{prefix}/authenticate", content=too_big, headers=headers), 413)


def test_the_signing_secret_is_private_to_the_servers_user(server: ServerProcess) -> None:
    secret = server.data_dir / "signing-secret"

    assert mode(secret) == 0o600
    assert len(bytes.fromhex(secret.read_text().strip())) == 32


def test_the_database_holding_password_hashes_is_private_too(server: ServerProcess) -> None:
    with server.client() as http:
        log_in(http, "admin", ADMIN_PASSWORD)  # the write-ahead log exists once written to

    files = [server.data_dir / name for name in ("mlprep.db", "mlprep.db-wal", "mlprep.db-shm")]
    assert {path.name: mode(path) for path in files if path.exists()} == {
        "mlprep.db": 0o600,
        "mlprep.db-wal": 0o600,
        "mlprep.db-shm": 0o600,
    }


def test_with_a_configured_password_no_password_file_is_written(server: ServerProcess) -> None:
    assert not (server.data_dir / "initial-admin-password").exists()
    assert ADMIN_PASSWORD not in server.log()


def test_a_first_start_without_a_password_makes_one_and_keeps_it_private(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(admin_password=None).start()

    password_file = server.data_dir / "initial-admin-password"
    password = password_file.read_text().strip()
    assert mode(password_file) == 0o600
    assert password in server.log()
    with server.client() as http:
        assert log_in(http, "admin", password)
    assert server.stop() == 0


def test_a_first_start_with_too_short_a_password_stops_with_the_reason(tmp_path: Path) -> None:
    # The first start is prepared on a thread of its own (cli/server.py): its refusal still
    # stops the server before it serves, as a plain message.
    environment = cli_environment({"MLPREP_ADMIN_PASSWORD": "short"})
    command = [str(MLPREP), "serve", "--port", str(free_port()), "--data-dir", str(tmp_path)]

    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1, result.stderr
    assert "error: A password needs at least 8 characters." in result.stderr
    assert "serving" not in result.stderr


def test_a_second_start_keeps_the_admin_password_and_the_tokens(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(admin_password=None).start()
    password = (server.data_dir / "initial-admin-password").read_text().strip()
    with server.client() as http:
        token = log_in(http, "admin", password)
    assert server.stop() == 0
    first_log = server.log()

    server.start()

    assert (server.data_dir / "initial-admin-password").read_text().strip() == password
    assert server.log().count(password) == first_log.count(password)
    with server.client() as http:
        assert log_in(http, "admin", password)
        check = http.get("/api/v1/authenticate/check-authentication", headers=bearer(token))
        assert check.status_code == 200
    assert server.stop() == 0


def test_sigterm_stops_the_server_cleanly(server: ServerProcess) -> None:
    assert server.stop() == 0
    assert not server.running


def test_the_inactivity_logout_is_set_by_flags(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--inactive-logout", "30", "--logout-countdown", "5"]).start()
    with server.client() as http:
        login = http.post(
            "/api/v1/authenticate", json={"userName": "admin", "password": ADMIN_PASSWORD}
        ).json()
    assert (login["inactiveLogout"], login["logoutCountdown"]) == (30, 5)
    assert server.stop() == 0
