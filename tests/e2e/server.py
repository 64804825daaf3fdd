"""A real `mlprep serve` process on a free port, for end-to-end and conformance tests.

Start it, talk to it over HTTP at `base_url`, stop it with SIGTERM (a graceful shutdown, which
must exit 0) or kill it with SIGKILL; start it again on the same data directory to see what
survived. Everything the server prints goes to a log file that failure messages quote, or, with
`unread_output`, to a pipe that nobody reads until the test does (`output`).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self

import httpx

from tests.postgres import free_port

MLPREP = Path(sys.executable).with_name("mlprep")
HEALTH_PATH = "/mlprep/v1/health"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


def cli_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for an `mlprep` process: ours without `MLPREP_*`, plus `extra`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MLPREP_")}
    # Rich wraps at the terminal's width; a wide, colourless "terminal" keeps lines whole.
    environment.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    environment.update(extra or {})
    return environment


class ServerProcess:
    """One `mlprep serve` on a data directory; each start picks a new free port."""

    def __init__(
        self,
        data_dir: Path,
        *,
        admin_password: str | None = None,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        unread_output: bool = False,
        open_files: int | None = None,
    ) -> None:
        """`unread_output`: stdout and stderr go to a pipe the test reads only when it wants to
        (`output`); `open_files`: the process's limit on file descriptors (RLIMIT_NOFILE)."""
        self.data_dir = data_dir
        self.args = list(args)
        self.unread_output = unread_output
        self.open_files = open_files
        extra = dict(env or {})
        if admin_password is not None:
            extra["MLPREP_ADMIN_PASSWORD"] = admin_password
        self.env = cli_environment(extra)
        self.log_path = log_path or data_dir.with_name(f"{data_dir.name}-server.log")
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The running server's process id."""
        assert self._process is not None, "the server has not been started"
        return self._process.pid

    @property
    def output(self) -> IO[bytes]:
        """The read end of the pipe the server writes to (started with `unread_output`)."""
        assert self._process is not None and self._process.stdout is not None, "no pipe"
        return self._process.stdout

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` of the running server."""
        assert self.port is not None, "the server has not been started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """Everything the server has printed so far (all starts)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, port: int | None = None) -> Self:
        """Start the server (on `port`, else a free one) and wait until its health endpoint
        answers.

        Raises:
            RuntimeError: the server exited, or did not answer within START_TIMEOUT seconds.
        """
        self.spawn(port)
        self.wait_until_healthy()
        return self

    def spawn(self, port: int | None = None) -> Self:
        """Start the server (on `port`, else a free one) without waiting for it to answer."""
        assert not self.running, "the server is already running"
        self.port = port or free_port()
        command = [str(MLPREP), "serve", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir), *self.args]
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE if self.unread_output else log,
                stderr=subprocess.STDOUT,
                env=self.env,
                preexec_fn=self._limit_open_files if self.open_files else None,
            )
        return self

    def wait(self, timeout: float = START_TIMEOUT) -> int:
        """Wait for a server that is to end by itself (e.g. refused at start); its exit code.

        Raises:
            subprocess.TimeoutExpired: it is still running after `timeout` seconds.
        """
        assert self._process is not None, "the server has not been started"
        code = self._process.wait(timeout=timeout)
        self._process = None
        return code

    def _limit_open_files(self) -> None:
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def stop(self) -> int:
        """SIGTERM, then wait for the graceful shutdown; returns the exit code."""
        return self._end(signal.SIGTERM)

    def kill(self) -> int:
        """SIGKILL, as a power cut would; returns the exit code (-9)."""
        return self._end(signal.SIGKILL)

    def hang_up(self) -> int:
        """SIGHUP, as closing the server's terminal does; returns the exit code."""
        return self._end(signal.SIGHUP)

    def client(self) -> httpx.Client:
        """An httpx client on `base_url`."""
        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def _end(self, how: signal.Signals) -> int:
        process = self._process
        assert process is not None, "the server has not been started"
        if process.poll() is None:
            process.send_signal(how)
        try:
            return process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"the server ignored {how.name}:\n{self.log()}") from None
        finally:
            self._process = None

    def wait_until_healthy(self) -> None:
        """Wait until the started server's health endpoint answers 200.

        Raises:
            RuntimeError: the server exited, or did not answer within START_TIMEOUT seconds.
        """
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"mlprep serve exited with {code}:\n{self.log()}")
            try:
                if httpx.get(self.base_url + HEALTH_PATH, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"mlprep serve did not answer within {START_TIMEOUT}s:\n{self.log()}")


@contextmanager
def serving(
    data_dir: Path, *args: str, admin_password: str | None = None
) -> Iterator[ServerProcess]:
    """A started server on `data_dir` with `args`; it must shut down cleanly at the end."""
    server = ServerProcess(data_dir, admin_password=admin_password, args=args).start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()
