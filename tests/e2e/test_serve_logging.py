"""What `mlprep serve` says: one line per request and per run transition, as text or JSON lines,
at the level asked for; and on a busy port, a plain sentence before anything is created."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.conftest import ServerFactory
from tests.e2e.instrument_session import Operator
from tests.e2e.server import MLPREP, cli_environment
from tests.sessions import ADMIN_PASSWORD, bearer, log_in


def lines_after_start(log: str) -> list[str]:
    """The server's own lines (the harness writes the command line first)."""
    return [line for line in log.splitlines() if line and not line.startswith("$ ")]


def test_each_request_and_each_run_transition_is_one_line(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--speed", "0"]).start()
    with server.client() as http:
        operator = Operator(server, http, log_in(http, "admin", ADMIN_PASSWORD))
        http.get("/api/v1/maintenance")
        http.get("/mlprep/v1/events", params={"access_token": "a-secret-token"})
        with operator.events() as events:
            run_id = operator.start("Daily Maintenance")
            operator.answer_until_finished(events)
    assert server.stop() == 0
    log = server.log()

    assert "mlprep.access: GET /api/v1/maintenance 401 " in log
    assert "mlprep.access: POST /api/v1/authenticate 200 " in log
    assert "mlprep.access: WEBSOCKET /NimbusLite/instinctevents 101 " in log
    assert f"mlprep.runs: run {run_id} (Daily Maintenance) Running at step 1/5" in log
    assert f"mlprep.runs: run {run_id} opened view" in log and "'Deck wiped?'" in log
    assert f"mlprep.runs: run {run_id} (Daily Maintenance) ended Completed" in log
    assert "a-secret-token" not in log


def test_json_lines_carry_the_requests_fields(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--log-format", "json"]).start()
    with server.client() as http:
        http.get("/api/v1/maintenance", headers=bearer("not a token"))
    assert server.stop() == 0

    entries = [json.loads(line) for line in lines_after_start(server.log())]

    access = [entry for entry in entries if entry["logger"] == "mlprep.access"]
    wanted = {"method": "GET", "path": "/api/v1/maintenance", "status": 401, "level": "info"}
    assert any(wanted.items() <= entry.items() for entry in access), access
    assert all(isinstance(entry["ms"], float) for entry in access)
    assert any(entry["logger"] == "mlprep.serve" for entry in entries)


def test_a_higher_level_leaves_requests_out(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--log-level", "warning"]).start()
    with server.client() as http:
        http.get("/api/v1/maintenance")
    assert server.stop() == 0

    assert "mlprep.access" not in server.log()


def test_an_unknown_level_is_a_configuration_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(MLPREP), "serve", "--log-level", "chatty", "--data-dir", str(tmp_path / "data")],
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "invalid configuration: log_level" in done.stderr


def test_a_busy_port_is_named_before_anything_is_created(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    running = server_factory().start()
    data_dir = tmp_path / "second"
    command = [str(MLPREP), "serve", "--port", str(running.port), "--data-dir", str(data_dir)]

    done = subprocess.run(
        command, env=cli_environment(), capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert f"port {running.port} on 127.0.0.1 is already in use" in message
    assert "--port" in message and "Errno" not in message
    assert not data_dir.exists()
    assert running.stop() == 0
