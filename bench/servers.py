"""The two servers under measurement, each a subprocess on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.load import HOST

REPO = Path(__file__).resolve().parent.parent
MLPREP = Path(sys.executable).with_name("mlprep")
HEALTH_PATH = "/mlprep/v1/health"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A server subprocess: started on a free port, ready once `HEALTH_PATH` answers 200."""

    def __init__(
        self, name: str, command: Sequence[str], log_path: Path, env: dict[str, str]
    ) -> None:
        self.name = name
        self.port = free_port()
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.log_path = log_path
        self.env = env
        self._process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0  # from exec to the first healthy answer

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        """The server process's id."""
        assert self._process is not None, f"{self.name} is not running"
        return self._process.pid

    def start(self) -> None:
        """Start the process and wait until it answers its health path.

        Raises:
            RuntimeError: it exited, or did not answer within START_TIMEOUT seconds.
        """
        # One client for every poll: `httpx.get` builds a client, and its TLS context, each time
        # (~45 ms of CPU per poll, taken from the server starting on the same cores).
        with httpx.Client(timeout=1.0) as poller:
            started = time.perf_counter()
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    self.command, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO
                )
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited at start-up:\n{self.log()}")
                try:
                    if poller.get(self.base_url + HEALTH_PATH).status_code == 200:
                        self.startup_seconds = time.perf_counter() - started
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT}s:\n{self.log()}")

    def log(self) -> str:
        """Everything the server has printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def peak_rss_bytes(self) -> int:
        """The process's peak resident set size so far (VmHWM in /proc/<pid>/status)."""
        return self._status_bytes("VmHWM")

    def rss_bytes(self) -> int:
        """The process's resident set size now (VmRSS in /proc/<pid>/status)."""
        return self._status_bytes("VmRSS")

    def _status_bytes(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field} in /proc/<pid>/status")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (/proc/<pid>/stat)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        # Fields 14 and 15 of stat(5) (utime, stime); the slice starts at field 3.
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> int | None:
        """SIGTERM and wait for the graceful shutdown (SIGKILL as a backstop); the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    """Our environment without `MLPREP_*` settings, plus `extra`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MLPREP_")}
    environment.update(extra)
    return environment


def mlprep_server(
    data_dir: Path,
    log_path: Path,
    admin_password: str,
    *,
    database_url: str | None = None,
    name: str = "mlprep",
) -> Server:
    """`mlprep serve --speed 0` on `data_dir` (SQLite in it, unless `database_url` names one)."""
    command = [str(MLPREP), "serve", "--host", HOST, "--port", "{port}"]
    command += ["--data-dir", str(data_dir), "--speed", "0"]
    if database_url is not None:
        command += ["--database-url", database_url]
    environment = clean_environment({"MLPREP_ADMIN_PASSWORD": admin_password})
    return Server(name, command, log_path, environment)


def baseline_server(responses_path: Path, log_path: Path, journal_path: Path) -> Server:
    """The bare-ASGI baseline serving the responses recorded in `responses_path`; its committed
    push keeps what it pushes in the SQLite file `journal_path`."""
    command = [sys.executable, "-m", "bench.baseline", "--port", "{port}"]
    command += ["--responses", str(responses_path), "--journal", str(journal_path)]
    return Server("baseline", command, log_path, clean_environment({}))
