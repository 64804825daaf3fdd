"""Memory under load: a real `mlprep serve`, 100,000 mixed requests, then 100,000 more.

The requests come from wrk (a process of its own) rotating through the reads a client makes
(procedures, one procedure, counters, errors, the UV setting, health, an image, the current run,
run history, the error log, a refused token, an unknown id), with a Daily Maintenance run and an
argon2 login between bursts. Reported: the server's RSS after the first 100,000 and its growth
over the next 100,000; `make soak` runs it (`python -m tests.reliability.memory`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench.wrk import ensure_wrk, parse

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"
REQUESTS = 100_000
BURST_SECONDS = 5
MIB = 1024 * 1024
RSS_LIMIT_MIB = 120.0
GROWTH_LIMIT_MIB = 5.0
MIX = [
    "/api/v1/maintenance",
    f"/api/v1/maintenance/{DAILY}",
    "/api/v1/maintenance/channel-counters",
    "/api/v1/maintenance/errors",
    "/api/v1/maintenance/uv-routine-settings",
    "/NimbusLite/api/v1/maintenance",
    "/mlprep/v1/health",
    "/api/v1/maintenance/images/daily-clear-deck.png",
    "/mlprep/v1/runs/current",
    "/mlprep/v1/runs?limit=5",
    "/api/v1/errors?offset=0&limit=10",
    "/api/v1/authenticate/check-authentication",
    "/api/v1/maintenance/0123456789abcdef0123456789abcdef",  # 404
    "BAD /api/v1/maintenance",  # 401: a token that is not valid
]
SCRIPT = """
local token = os.getenv("MLPREP_TOKEN")
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  local path = paths[(i %% #paths) + 1]
  local headers = {["Authorization"] = "Bearer " .. token}
  if path:sub(1, 4) == "BAD " then
    path = path:sub(5)
    headers["Authorization"] = "Bearer not-a-token"
  end
  return wrk.format("GET", path, headers)
end
"""


@dataclass(frozen=True)
class MemoryReport:
    """RSS after the first REQUESTS requests and after the next REQUESTS."""

    requests: tuple[int, int]
    rss_bytes: tuple[int, int]
    non_2xx: int

    @property
    def growth_mib(self) -> float:
        return (self.rss_bytes[1] - self.rss_bytes[0]) / MIB

    def failures(self) -> list[str]:
        """The limits this run broke."""
        failed = []
        if self.rss_bytes[0] / MIB > RSS_LIMIT_MIB:
            failed.append(f"RSS {self.rss_bytes[0] / MIB:.1f} MiB > {RSS_LIMIT_MIB} MiB")
        if self.growth_mib >= GROWTH_LIMIT_MIB:
            failed.append(f"growth {self.growth_mib:.1f} MiB >= {GROWTH_LIMIT_MIB} MiB")
        return failed

    def render(self) -> str:
        first, second = (size / MIB for size in self.rss_bytes)
        return (
            f"| RSS after {self.requests[0]:,} mixed requests | {first:.1f} MiB |\n"
            f"| RSS after {self.requests[0] + self.requests[1]:,} | {second:.1f} MiB |\n"
            f"| Growth over the second {self.requests[1]:,} | {self.growth_mib:+.1f} MiB |\n"
        )


def rss_bytes(pid: int) -> int:
    """VmRSS of process `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def drive_daily(http: httpx.Client, headers: dict[str, str]) -> None:
    """One Daily Maintenance run, answered to its end."""
    assert http.post(f"/api/v1/maintenance/{DAILY}", headers=headers).status_code == 200
    for _ in range(1000):
        current = http.get("/mlprep/v1/runs/current", headers=headers)
        if current.status_code == 204:
            return
        view = current.json()["openView"]
        if view is None:
            time.sleep(0.005)
            continue
        answer = "Yes" if view["kind"] == "Question" else "Ok"
        http.post(
            "/api/v1/maintenance/close-view",
            headers=headers,
            json={"viewId": view["viewId"], "viewResult": answer},
        )
    raise RuntimeError("the run did not end")


def load(server: ServerProcess, script: Path, token: str, count: int) -> tuple[int, int]:
    """Bursts of wrk until `count` requests are done, a run and a login between bursts;
    (requests done, responses other than 2xx/3xx)."""
    done = non_2xx = 0
    environment = {**os.environ, "MLPREP_TOKEN": token}
    with server.client() as http:
        while done < count:
            command = [ensure_wrk(), "-t1", "-c32", f"-d{BURST_SECONDS}s", "--latency"]
            command += ["-s", str(script)]
            output = subprocess.run(
                [*command, server.base_url], capture_output=True, text=True, env=environment
            ).stdout
            result = parse(output)
            done += result.requests
            non_2xx += result.non_2xx
            drive_daily(http, bearer(token))
            log_in(http, "admin", ADMIN_PASSWORD)
    return done, non_2xx


def measure(data_dir: Path) -> MemoryReport:
    """Start a server, load it twice, stop it."""
    server = ServerProcess(
        data_dir,
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0", "--token-minutes", "120", "--log-level", "warning"],
    )
    server.start()
    try:
        assert server._process is not None  # noqa: SLF001 - the pid, for its memory
        pid = server._process.pid  # noqa: SLF001
        script = data_dir.parent / "mix.lua"
        script.write_text(SCRIPT % ", ".join(f'"{path}"' for path in MIX))
        with server.client() as http:
            token = log_in(http, "admin", ADMIN_PASSWORD)
        first, bad_first = load(server, script, token, REQUESTS)
        after_first = rss_bytes(pid)
        second, bad_second = load(server, script, token, REQUESTS)
        after_second = rss_bytes(pid)
    finally:
        assert server.stop() == 0, server.log()
    return MemoryReport((first, second), (after_first, after_second), bad_first + bad_second)


def main() -> None:
    """Measure, print the table, exit 1 if a limit was broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlprep-memory-") as directory:
        report = measure(Path(directory) / "data")
    print(report.render(), end="")
    failed = report.failures()
    for failure in failed:
        print(f"FAILED: {failure}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
