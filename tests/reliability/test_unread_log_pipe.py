"""A server whose output is a pipe that nobody reads keeps answering.

The log was written on the event loop: once the pipe's 64 KiB were full (about 760 access
lines), the next write blocked the loop, and the server answered nothing, health included,
until someone read the pipe. Now the lines wait in a bounded queue for a writer thread; past
its bound they are dropped and counted, and once the output takes lines again one line says
how many were dropped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

PIPE_BYTES = 64 * 1024
ACCESS_LINE_BYTES = 80  # at least: "2026-… INFO    mlprep.access: GET /mlprep/v1/health 200 …"
ROUNDS = 3_000  # each a health check, an authenticated read and a read off the fast lane
DROPPED = re.compile(rb"WARNING mlprep\.logs: (\d+) log lines were dropped")
METRIC = re.compile(r"^mlprep_log_records_dropped_total (\S+)$", re.MULTILINE)


class PipeReader:
    """Reads the server's pipe from the moment it is started, until the server closes it."""

    def __init__(self, server: ServerProcess) -> None:
        self._pipe = server.output
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def text(self) -> bytes:
        return b"".join(self._chunks)

    def until_closed(self, seconds: float = 30) -> bytes:
        self._thread.join(seconds)
        return self.text()

    def _read(self) -> None:
        while chunk := self._pipe.read1(PIPE_BYTES):
            self._chunks.append(chunk)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0"],
        unread_output=True,
    )
    server.start()
    pipe = server.output
    yield server
    if server.running:
        server.kill()
    pipe.close()


def dropped_metric(http: httpx.Client) -> int:
    found = METRIC.search(http.get("/mlprep/v1/metrics").text)
    assert found is not None
    return int(float(found.group(1)))


def test_a_pipe_nobody_reads_costs_log_lines_never_answers(server: ServerProcess) -> None:
    assert ROUNDS * 3 * ACCESS_LINE_BYTES > 10 * PIPE_BYTES  # the pipe fills many times over
    with server.client() as http:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        statuses = set()
        for _ in range(ROUNDS):
            statuses.add(http.get("/mlprep/v1/health").status_code)
            statuses.add(http.get("/api/v1/maintenance", headers=headers).status_code)
            statuses.add(http.get("/mlprep/v1/runs", headers=headers).status_code)
        assert statuses == {200}
        dropped_while_unread = dropped_metric(http)
        assert dropped_while_unread > 0

        reader = PipeReader(server)
        reader.start()
        # The next lines that fit are preceded by the one that counts what was lost.
        for _ in range(10):
            assert http.get("/mlprep/v1/health").status_code == 200
        dropped_in_all = dropped_metric(http)
    assert server.stop() == 0
    output = reader.until_closed()

    reported = [int(count) for count in DROPPED.findall(output)]
    assert reported and sum(reported) == dropped_in_all >= dropped_while_unread
    assert b"mlprep.access: GET /api/v1/maintenance 200 " in output
    # What was queued at the stop was written: the server's last lines among it.
    last_lines = output.rstrip().splitlines()[-2:]
    assert last_lines[0].endswith(b"Finished server process [%d]" % server_pid(output))
    assert last_lines[1].endswith(b"mlprep.serve: stopped")


def server_pid(output: bytes) -> int:
    found = re.search(rb"Started server process \[(\d+)\]", output)
    assert found is not None, output[-2000:]
    return int(found.group(1))
