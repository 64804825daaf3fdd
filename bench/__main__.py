"""`python -m bench`: run every scenario once, write bench/results.md, print the same table."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.load import Connection, LoadResult, RawResponse, load, request_bytes, same_bytes
from bench.report import Comparison, Measured, Report, RunsResult, render
from bench.servers import CLOCK_TICKS, REPO, Server, baseline_server, mlprep_server
from bench.workflows import RunTiming, drive_run, json_body, log_in, login_request

RESULTS = Path(__file__).with_name("results.md")
ADMIN = "admin"
ADMIN_PASSWORD = "bench-admin-password"
DAILY_MAINTENANCE = "Daily Maintenance"

REQUESTS = 2000
WARM_UP_REQUESTS = 200
CONCURRENCY = 16
RUNS = 20
WARM_UP_RUNS = 2
AUTHENTICATE_REQUESTS = 50
AUTHENTICATE_CONCURRENCY = 4
# Backstops that keep the whole run bounded even on a slow machine: a load stops taking new
# requests after this many seconds (the report says when that happened).
LOAD_TIME_LIMIT = 12.0
RUNS_TIME_LIMIT = 20.0


@dataclass(frozen=True)
class Scenario:
    """A single request measured on both servers."""

    label: str
    path: str
    needs_token: bool


SCENARIOS = [
    Scenario("GET /api/v1/maintenance (token)", "/api/v1/maintenance", True),
    Scenario(
        "GET /api/v1/maintenance/channel-counters (token)",
        "/api/v1/maintenance/channel-counters",
        True,
    ),
    Scenario(
        "GET /api/v1/maintenance/images/daily-clear-deck.png (no token)",
        "/api/v1/maintenance/images/daily-clear-deck.png",
        False,
    ),
    Scenario("GET /mlprep/v1/health", "/mlprep/v1/health", False),
]
# Headers uvicorn writes itself on every response; everything else is replayed by the baseline.
UVICORN_HEADERS = {"date", "server"}


def scenario_request(scenario: Scenario, port: int, token: str) -> bytes:
    """The request bytes of `scenario` for the server on `port` (the same for both servers)."""
    headers = [("Authorization", f"Bearer {token}")] if scenario.needs_token else []
    return request_bytes(port, "GET", scenario.path, headers=headers)


async def send_once(port: int, raw_request: bytes) -> RawResponse:
    """One request on a fresh connection."""
    connection = Connection(port)
    try:
        return await connection.send(raw_request)
    finally:
        await connection.close()


def replayable(response: RawResponse) -> dict[str, object]:
    """`response` as the baseline's responses file records it."""
    return {
        "status": response.status,
        "headers": [[k, v] for k, v in response.headers if k not in UVICORN_HEADERS],
        "body": base64.b64encode(response.body).decode("ascii"),
    }


async def measured(server: Server, work: Callable[[], Awaitable[LoadResult]]) -> Measured:
    """Run `work` and charge it the CPU time `server` spent meanwhile."""
    cpu_before = server.cpu_seconds()
    result = await work()
    return Measured(result, server.cpu_seconds() - cpu_before)


async def _load(server: Server, raw: bytes, count: int, expected: RawResponse) -> LoadResult:
    return await load(
        server.port,
        raw,
        requests=count,
        concurrency=CONCURRENCY,
        check=same_bytes(expected),
        time_limit=LOAD_TIME_LIMIT,
    )


async def compare(
    scenario: Scenario, mlprep: Server, baseline: Server, token: str, expected: RawResponse
) -> Comparison:
    """Warm up and measure `scenario` on mlprep, then on the baseline."""
    results = []
    for server in (mlprep, baseline):
        raw = scenario_request(scenario, server.port, token)
        await _load(server, raw, WARM_UP_REQUESTS, expected)
        cpu_before = server.cpu_seconds()
        result = await _load(server, raw, REQUESTS, expected)
        results.append(Measured(result, server.cpu_seconds() - cpu_before))
    return Comparison(scenario.label, results[0], results[1])


async def drive_runs(server: Server, token: str, procedure_id: str) -> RunsResult:
    """Warm-up runs, then up to RUNS Daily Maintenance runs one after another."""
    connection = Connection(server.port)
    try:
        for _ in range(WARM_UP_RUNS):
            await drive_run(connection, server.port, token, procedure_id)
        cpu_before = server.cpu_seconds()
        started = time.perf_counter()
        timings: list[RunTiming] = []
        while len(timings) < RUNS and time.perf_counter() - started < RUNS_TIME_LIMIT:
            timing = await drive_run(connection, server.port, token, procedure_id)
            if timing.state != "Completed":
                raise RuntimeError(f"a benchmark run ended {timing.state}")
            timings.append(timing)
        return RunsResult(
            seconds=[t.seconds for t in timings],
            requests=sum(t.requests for t in timings),
            total_seconds=time.perf_counter() - started,
            cpu_seconds=server.cpu_seconds() - cpu_before,
        )
    finally:
        await connection.close()


async def authenticate(server: Server) -> Measured:
    """AUTHENTICATE_REQUESTS correct logins (after two warm-up ones)."""
    raw = login_request(server.port, ADMIN, ADMIN_PASSWORD)

    async def run(count: int) -> LoadResult:
        return await load(
            server.port,
            raw,
            requests=count,
            concurrency=AUTHENTICATE_CONCURRENCY,
            check=lambda response: response.status == 200,
            time_limit=LOAD_TIME_LIMIT,
        )

    await run(2)
    return await measured(server, lambda: run(AUTHENTICATE_REQUESTS))


def environment() -> list[tuple[str, str]]:
    """What the numbers were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    extras = [name for name in ("httptools", "uvloop") if _installed(name)]
    return [
        ("Date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("nproc", str(len(os.sched_getaffinity(0)))),
        ("CPU", cpu),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("mlprep", f"{version('mlprep')} ({_git_revision()})"),
        ("uvicorn", f"{version('uvicorn')} ({', '.join(extras) or 'pure Python'})"),
        (
            "Load",
            f"{REQUESTS:,} requests per scenario and server after {WARM_UP_REQUESTS} warm-up, "
            f"{CONCURRENCY} keep-alive connections, 127.0.0.1 only",
        ),
        ("Client", "bench.load: raw HTTP/1.1 on asyncio streams, in the benchmark's process"),
        ("mlprep server", "`mlprep serve --speed 0`, SQLite in a fresh temporary data directory"),
    ]


def _installed(name: str) -> bool:
    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


def _git_revision() -> str:
    try:
        revision = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no git revision"
    return f"git {revision}"


async def benchmark(workdir: Path) -> Report:
    """Start both servers, run every scenario, stop both; the report."""
    notes: list[str] = []
    mlprep = mlprep_server(workdir / "data", workdir / "mlprep.log", ADMIN_PASSWORD)
    baseline: Server | None = None
    mlprep.start()
    try:
        token = await log_in(mlprep.port, ADMIN, ADMIN_PASSWORD)
        captured = {
            s.path: await send_once(mlprep.port, scenario_request(s, mlprep.port, token))
            for s in SCENARIOS
        }
        for path, response in captured.items():
            if response.status != 200:
                raise RuntimeError(f"mlprep answered {path} with {response.status}")
        responses_path = workdir / "responses.json"
        recorded = {f"GET {path}": replayable(r) for path, r in captured.items()}
        responses_path.write_text(json.dumps(recorded))

        baseline = baseline_server(responses_path, workdir / "baseline.log")
        baseline.start()
        for scenario in SCENARIOS:
            replayed = await send_once(baseline.port, scenario_request(scenario, baseline.port, ""))
            expected = captured[scenario.path]
            same = [(k, v) for k, v in expected.headers if k not in UVICORN_HEADERS]
            other = [(k, v) for k, v in replayed.headers if k not in UVICORN_HEADERS]
            if (replayed.status, other, replayed.body) != (expected.status, same, expected.body):
                raise RuntimeError(
                    f"the baseline does not return mlprep's bytes for {scenario.path}"
                )

        comparisons = []
        for scenario in SCENARIOS:
            print(f"… {scenario.label}", flush=True)
            comparisons.append(
                await compare(scenario, mlprep, baseline, token, captured[scenario.path])
            )
        serving_rss = mlprep.peak_rss_bytes()

        print("… Daily Maintenance runs", flush=True)
        procedures = json_body(captured["/api/v1/maintenance"])
        daily = next(p["id"] for p in procedures if p["name"] == DAILY_MAINTENANCE)
        runs = await drive_runs(mlprep, token, daily)
        print("… POST /api/v1/authenticate", flush=True)
        auth = await authenticate(mlprep)

        rss = [
            ("mlprep, after the comparable scenarios", serving_rss),
            ("mlprep, at the end (after runs and argon2 logins)", mlprep.peak_rss_bytes()),
            ("baseline, at the end", baseline.peak_rss_bytes()),
        ]
    finally:
        codes = {"mlprep": mlprep.stop(), "baseline": baseline.stop() if baseline else None}

    for comparison in comparisons:
        for name, result in (("mlprep", comparison.mlprep), ("baseline", comparison.baseline)):
            if result.load.mismatches:
                raise RuntimeError(
                    f"{name} returned {result.load.mismatches} responses that differ from the "
                    f"captured bytes in {comparison.scenario}"
                )
            if result.load.requests < REQUESTS:
                notes.append(
                    f"{comparison.scenario} on {name} stopped at {result.load.requests} requests "
                    f"(time limit {LOAD_TIME_LIMIT:.0f} s)."
                )
    if auth.load.mismatches:
        raise RuntimeError(f"{auth.load.mismatches} correct logins were refused")
    if len(runs.seconds) < RUNS:
        notes.append(f"Only {len(runs.seconds)} runs fit in {RUNS_TIME_LIMIT:.0f} s.")
    for name, code in codes.items():
        if code != 0:
            notes.append(f"{name} exited with {code} after SIGTERM (expected 0).")
    notes.append(
        f"Latencies are under a closed loop of {CONCURRENCY} connections, so they include "
        f"queueing in the server (p50 ≈ {CONCURRENCY} / req/s when the server is the bottleneck)."
    )
    notes.append(
        f"Server CPU is read from /proc/<pid>/stat in ticks of {1000 / CLOCK_TICKS:.0f} ms: the "
        "baseline's loads last a fraction of a second, so its CPU/request figure is coarse."
    )
    if len(os.sched_getaffinity(0)) <= 2:
        notes.append(
            "With 2 cores or fewer, the load generator competes with the server for CPU, so the "
            "baseline's numbers are bounded by the client; the CPU/request ratio is the steadier "
            "comparison."
        )
    return Report(
        environment=environment(),
        comparisons=comparisons,
        runs=runs,
        authenticate=auth,
        authenticate_concurrency=AUTHENTICATE_CONCURRENCY,
        rss=rss,
        notes=notes,
    )


def main() -> None:
    """Run the benchmark, write bench/results.md, print it."""
    with tempfile.TemporaryDirectory(prefix="mlprep-bench-") as workdir:
        try:
            import uvloop
        except ImportError:
            report = asyncio.run(benchmark(Path(workdir)))
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                report = runner.run(benchmark(Path(workdir)))
    text = render(report)
    RESULTS.write_text(text)
    print()
    print(text, end="")
    print(f"\nWritten to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
