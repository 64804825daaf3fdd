"""A crowd of logins cannot exhaust the server's memory: each argon2 check costs 64 MiB, so at
most two run at once and the rest queue or get 503 at once. A real `mlprep serve` answers 100
concurrent wrong logins (each for a name of its own, so no lockout helps) and its peak resident
memory (VmHWM) stays under 300 MB."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.conftest import ServerFactory

PEAK_LIMIT_MIB = 300


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc")


def test_a_hundred_concurrent_logins_stay_within_300_mb(server_factory: ServerFactory) -> None:
    server = server_factory().start()
    assert server._process is not None  # the pid, for its memory

    def guess(number: int) -> int:
        body = {"userName": f"stranger-{number}", "password": "a guess"}
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            return http.post("/api/v1/authenticate", json=body).status_code

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(guess, range(100)))

    peak = peak_rss_mib(server._process.pid)
    assert server.stop() == 0
    assert set(statuses) <= {401, 503} and statuses.count(401) >= 30, statuses
    assert peak < PEAK_LIMIT_MIB, f"peak RSS {peak:.0f} MiB"
    print(f"peak RSS after 100 concurrent logins: {peak:.0f} MiB")
