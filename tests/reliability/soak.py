"""The soak: a real `mlprep serve` under mixed load for a while, faults at 10 %.

Operators run procedures and answer every view (an Error view with Retry, Continue or Abort at
random), readers poll the lists, a service engineer resets counters and simulates protocol runs,
and event streams follow it all. At the end: no answer was a 5xx, every run is terminal, the
counters agree with their lifetime totals, and the server's memory (RSS) stayed flat.

    python -m tests.reliability.soak --minutes 10     # what `make soak` runs

It prints a report (the figures `docs/reliability.md` quotes) and exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

TERMINAL = {"Completed", "Aborted", "Failed", "Interrupted"}
READ_PATHS = (
    "/api/v1/maintenance",
    "/api/v1/maintenance/channel-counters",
    "/api/v1/maintenance/errors",
    "/api/v1/maintenance/uv-routine-settings",
    "/mlprep/v1/runs",
    "/mlprep/v1/runs/current",
    "/mlprep/v1/health",
)


@dataclass
class Tally:
    """What the load saw, shared by the workers."""

    statuses: Counter[int] = field(default_factory=Counter)
    runs: Counter[str] = field(default_factory=Counter)
    events: int = 0
    rss_kib: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, response: httpx.Response) -> httpx.Response:
        with self.lock:
            self.statuses[response.status_code] += 1
        return response


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def operator(server: ServerProcess, tally: Tally, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)
    with server.client() as http:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        procedures = [p["id"] for p in http.get("/api/v1/maintenance", headers=headers).json()]
        while not stop.is_set():
            started = tally.saw(
                http.post(f"/api/v1/maintenance/{chance.choice(procedures)}", headers=headers)
            )
            if started.status_code != 200:
                time.sleep(0.05)  # another operator's run is in progress (409)
                continue
            run_id = started.json()["runId"]
            while True:
                current = tally.saw(http.get("/mlprep/v1/runs/current", headers=headers))
                if current.status_code != 200 or current.json()["id"] != run_id:
                    break
                view = current.json()["openView"]
                if view is None:
                    time.sleep(0.01)
                    continue
                results = view["results"]
                if view["kind"] == "Error":
                    result = chance.choice(results)
                elif "Yes" in results:
                    result = "Yes"
                else:
                    result = "Ok" if chance.random() > 0.05 else results[-1]
                body = {
                    "viewId": view["viewId"],
                    "viewResult": result,
                    "viewInput": "LOT-1" if view["inputRequired"] else None,
                }
                tally.saw(http.post("/api/v1/maintenance/close-view", json=body, headers=headers))
            ended = tally.saw(http.get(f"/mlprep/v1/runs/{run_id}", headers=headers)).json()
            with tally.lock:
                tally.runs[ended["state"]] += 1


def reader(server: ServerProcess, tally: Tally, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)
    with server.client() as http:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        while not stop.is_set():
            tally.saw(http.get(chance.choice(READ_PATHS), headers=headers))


def engineer(server: ServerProcess, tally: Tally, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)
    with server.client() as http:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        while not stop.wait(0.5):
            if chance.random() < 0.3:
                channel = chance.choice(["Front", "Rear"])
                path = f"/api/v1/maintenance/reset-channel-counters/{channel}"
                tally.saw(http.post(path, headers=headers))
            else:
                body = {"durationSeconds": 60, "tips": 4, "transfers": 8}
                tally.saw(
                    http.post("/mlprep/v1/simulator/protocol-runs", json=body, headers=headers)
                )


def listener(server: ServerProcess, tally: Tally, stop: threading.Event, _seed: int) -> None:
    while not stop.is_set():
        with server.client() as http:
            token = log_in(http, "admin", ADMIN_PASSWORD)
        try:
            with (
                httpx.Client(base_url=server.base_url, timeout=5) as client,
                client.stream("GET", "/mlprep/v1/events", params={"access_token": token}) as stream,
            ):
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        with tally.lock:
                            tally.events += 1
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            time.sleep(0.1)  # dropped for falling behind, or the token expired: reconnect


def soak(seconds: float, data_dir: Path) -> tuple[Tally, dict[str, Any], list[str]]:
    """Run the load for `seconds`; returns the tally, the end state and the failed checks."""
    server = ServerProcess(
        data_dir,
        admin_password=ADMIN_PASSWORD,
        args=[
            "--speed",
            "600",
            "--fault-rate",
            "0.1",
            "--fault-seed",
            "7",
            "--token-minutes",
            "120",  # outlives the soak: the load must not turn into 401s
            "--log-level",
            "warning",
        ],
    )
    server.start()
    assert server._process is not None  # noqa: SLF001 - the pid, for its memory
    pid = server._process.pid  # noqa: SLF001
    tally, stop = Tally(), threading.Event()
    workers = [operator, operator, reader, reader, engineer, listener]
    threads = [
        threading.Thread(target=work, args=(server, tally, stop, number), daemon=True)
        for number, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tally.rss_kib.append(rss_kib(pid))
        time.sleep(min(5.0, max(0.5, seconds / 60)))
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    tally.rss_kib.append(rss_kib(pid))
    end = final_state(server)
    assert server.stop() == 0, server.log()
    return tally, end, checks(tally, end)


def final_state(server: ServerProcess) -> dict[str, Any]:
    with server.client() as http:
        headers = bearer(log_in(http, "admin", ADMIN_PASSWORD))
        for _ in range(200):  # the last run may still be ending
            if http.get("/mlprep/v1/runs/current", headers=headers).status_code == 204:
                break
            time.sleep(0.05)
        runs = http.get("/mlprep/v1/runs", headers=headers, params={"limit": 200}).json()
        metrics = http.get("/mlprep/v1/metrics").text
    lifetime: dict[str, int] = {}
    current: dict[str, int] = {}
    for line in metrics.splitlines():
        if line.startswith(("mlprep_channel_counter_lifetime", "mlprep_channel_counter{")):
            name, value = line.rsplit(" ", 1)
            target = lifetime if name.startswith("mlprep_channel_counter_lifetime") else current
            target[name.split("{", 1)[1]] = int(float(value))
    return {"runs": runs, "lifetime": lifetime, "current": current}


def checks(tally: Tally, end: dict[str, Any]) -> list[str]:
    failed = []
    server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    if server_errors:
        failed.append(f"{server_errors} answers were 5xx")
    if any(run["state"] not in TERMINAL for run in end["runs"]["items"]):
        failed.append("a run was left unfinished")
    lifetime, current = end["lifetime"], end["current"]
    for channel in ("Front", "Rear"):
        pick_up = lifetime.get(f'channel="{channel}",kind="tipPickUp"}}', 0)
        eject = lifetime.get(f'channel="{channel}",kind="tipEject"}}', 0)
        if pick_up != eject:
            failed.append(f"{channel}: {pick_up} tips picked up but {eject} ejected")
        for key, value in current.items():
            if key.startswith(f'channel="{channel}"') and value > lifetime.get(key, 0):
                failed.append(f"{channel}: a counter exceeds its lifetime total ({key})")
    if not tally.runs:
        failed.append("no run ended")
    return failed


def report(seconds: float, tally: Tally, failed: list[str]) -> str:
    rss = [kib / 1024 for kib in tally.rss_kib if kib]
    settled = rss[len(rss) // 4 :] or rss
    lines = [
        f"soak: {seconds / 60:.1f} min, faults at 10 %",
        f"requests: {sum(tally.statuses.values())} "
        + ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items())),
        "runs ended: " + ", ".join(f"{state} {count}" for state, count in tally.runs.items()),
        f"events received: {tally.events}",
        f"RSS MiB: first {rss[0]:.0f}, low {min(settled):.0f}, peak {max(rss):.0f}, "
        f"last {rss[-1]:.0f} (after the first quarter: {min(settled):.0f}-{max(settled):.0f})",
        "checks: " + ("all passed" if not failed else "; ".join(failed)),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    arguments = parser.parse_args()
    seconds = arguments.minutes * 60
    with tempfile.TemporaryDirectory(prefix="mlprep-soak-") as directory:
        tally, _end, failed = soak(seconds, Path(directory) / "data")
    print(report(seconds, tally, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
