"""Starting real servers that are meant to be refused, or to wait: what they print, and waiting
for a line of their log."""

from __future__ import annotations

import time

from tests.e2e.server import ServerProcess

WAIT_SECONDS = 30.0


def refused_start(server: ServerProcess) -> tuple[int, str]:
    """Start `server`, which is to stop by itself before serving; its exit code and what it
    printed (this start only), with runs of white space as one space (rich wraps long lines)."""
    before = len(server.log())
    server.spawn()
    code = server.wait()
    return code, " ".join(server.log()[before:].split())


def flat(text: str) -> str:
    """`text` with runs of white space as one space."""
    return " ".join(text.split())


def wait_for_log(server: ServerProcess, line: str, seconds: float = WAIT_SECONDS) -> str:
    """Wait until the server's log says `line` (white space aside); the log.

    Raises:
        AssertionError: it does not within `seconds`.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = flat(server.log())
        if flat(line) in log:
            return log
        time.sleep(0.05)
    raise AssertionError(f"the server never logged {line!r}:\n{server.log()}")
