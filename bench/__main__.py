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
from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

from bench.baseline import PUSH_COMMITTED
from bench.cores import pinned, placement
from bench.events import bare_push, close_view_to_next_view
from bench.history_seed import SeededHistory, seed_history
from bench.load import Connection, LoadResult, RawResponse, load, request_bytes
from bench.postgres import PostgresMlprep, PostgresNotStartedError, start_postgres_mlprep
from bench.report import (
    Comparison,
    HistoryResult,
    Measured,
    Paired,
    PostgresResult,
    Report,
    RunsResult,
    Sampled,
    render,
)
from bench.servers import HEALTH_PATH, REPO, Server, baseline_server, mlprep_server
from bench.workflows import (
    RunTiming,
    drive_run,
    finish_run,
    json_body,
    log_in,
    login_request,
    open_run,
)
from bench.wrk import WrkResult, ensure_wrk, run_wrk

T = TypeVar("T")
RESULTS = Path(__file__).with_name("results.md")
ADMIN = "admin"
ADMIN_PASSWORD = "bench-admin-password"
DAILY_MAINTENANCE = "Daily Maintenance"

CONNECTIONS = 64
REPEATS = 3
SECONDS_PER_RUN = 1  # wrk takes whole seconds
WARM_UP_REQUESTS = 300
RUNS = 20
EVENT_RUNS = 15  # Daily Maintenance runs whose close-views are timed to the next view's event
WARM_UP_RUNS = 2
AUTHENTICATE_REQUESTS = 50
AUTHENTICATE_CONCURRENCY = 4
# Backstops that keep the whole run bounded even on a slow machine: a load stops taking new
# requests after this many seconds (the report says when that happened).
LOAD_TIME_LIMIT = 12.0
# The warm-up stops after this many seconds even if WARM_UP_REQUESTS have not all been answered
# (a run history page costs milliseconds: 300 of them would take seconds).
WARM_UP_TIME_LIMIT = 1.0
RUNS_TIME_LIMIT = 20.0


# Sent where a scenario needs a token that is not valid: a well-formed JWT, wrongly signed.
BAD_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1laWQiOiJ4IiwiaWF0IjowLCJleHAiOjEsImp0aSI6IngifQ."
    "c2lnbmF0dXJlLW9mLW5vYm9keQ"
)
DAILY_ID = "c4bb87c0907140c6b8bd26f25581c3bf"  # Daily Maintenance, in the shipped catalogue


@dataclass(frozen=True)
class Scenario:
    """A single request measured on both servers."""

    label: str
    path: str
    needs_token: bool
    status: int = 200
    bad_token: bool = False


RUNS_PAGE = "/mlprep/v1/runs"
PAGE_SIZE = 20
SCENARIOS = [
    Scenario("GET /api/v1/maintenance (token)", "/api/v1/maintenance", True),
    Scenario("GET /api/v1/maintenance/{id} (token)", f"/api/v1/maintenance/{DAILY_ID}", True),
    Scenario(
        "GET /api/v1/maintenance/channel-counters (token)",
        "/api/v1/maintenance/channel-counters",
        True,
    ),
    Scenario("GET /api/v1/maintenance/errors (token)", "/api/v1/maintenance/errors", True),
    Scenario(
        "GET /api/v1/maintenance/uv-routine-settings, token not valid (401)",
        "/api/v1/maintenance/uv-routine-settings",
        True,
        status=401,
        bad_token=True,
    ),
    Scenario(
        "GET /api/v1/maintenance/images/daily-clear-deck.png (no token)",
        "/api/v1/maintenance/images/daily-clear-deck.png",
        False,
    ),
    Scenario("GET /mlprep/v1/health", "/mlprep/v1/health", False),
    Scenario(
        f"GET /mlprep/v1/runs?limit={PAGE_SIZE} (token)", f"{RUNS_PAGE}?limit={PAGE_SIZE}", True
    ),
    Scenario(
        "GET /mlprep/v1/runs/current, idle (token, 204)",
        "/mlprep/v1/runs/current",
        True,
        status=204,
    ),
]
# Measured on the history of this bench's own runs (about forty, measured after them) and on
# HISTORY_RUNS finished runs, with a run waiting at a view. The page asked for is full on both
# servers, so that the comparison is of the history's size, not of the page's.
HISTORY_RUNS = 100_000
HISTORY_SCENARIOS = [
    Scenario("GET /api/v1/maintenance (token)", "/api/v1/maintenance", True),
    Scenario(
        f"GET /mlprep/v1/runs, first page of {PAGE_SIZE} (token)",
        f"{RUNS_PAGE}?limit={PAGE_SIZE}",
        True,
    ),
    Scenario(
        "GET /mlprep/v1/runs/current, a run waiting at a view (token)",
        "/mlprep/v1/runs/current",
        True,
    ),
]
# Headers uvicorn writes itself on every response; everything else is replayed by the baseline.
UVICORN_HEADERS = {"date", "server"}


def scenario_headers(scenario: Scenario, token: str) -> dict[str, str]:
    """The headers `scenario` sends (the same to both servers)."""
    if not scenario.needs_token:
        return {}
    return {"Authorization": f"Bearer {BAD_TOKEN if scenario.bad_token else token}"}


def scenario_request(scenario: Scenario, port: int, token: str) -> bytes:
    """The request bytes of `scenario` for the server on `port`."""
    headers = list(scenario_headers(scenario, token).items())
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


@dataclass(frozen=True)
class Target:
    """A server under measurement, with the token its scenarios send."""

    server: Server
    token: str


async def sample_each(scenario: Scenario, targets: Sequence[Target]) -> list[Sampled]:
    """A short warm-up on each target, then REPEATS rounds of one wrk run per target, each run
    charged the server CPU it cost; one Sampled per target, in order.

    Each round starts one target further on (A B C, B C A, C A B), so that a change in what
    else the shared machine runs falls on every target alike rather than on the one measured
    last.
    """
    for target in targets:
        raw = scenario_request(scenario, target.server.port, target.token)
        await load(
            target.server.port,
            raw,
            requests=WARM_UP_REQUESTS,
            concurrency=16,
            check=lambda response: response.status == scenario.status,
            time_limit=WARM_UP_TIME_LIMIT,
        )
        await drained(target.server)
    runs: list[list[tuple[WrkResult, float]]] = [[] for _ in targets]
    cores = placement()
    with pinned([t.server.pid for t in targets], cores.servers) if cores else nullcontext():
        for round_number in range(REPEATS):
            for offset in range(len(targets)):
                index = (round_number + offset) % len(targets)
                server, token = targets[index].server, targets[index].token
                headers = scenario_headers(scenario, token)
                cpu_before = server.cpu_seconds()
                result = run_wrk(
                    server.base_url + scenario.path,
                    headers=headers,
                    connections=CONNECTIONS,
                    seconds=SECONDS_PER_RUN,
                    placed=cores.load_command if cores else list,
                )
                runs[index].append((result, server.cpu_seconds() - cpu_before))
                await drained(server)
    return [Sampled(target_runs) for target_runs in runs]


async def drained(server: Server) -> None:
    """Wait until `server` has answered what wrk left behind.

    When wrk stops, its connections still have a request each in the server; where a request
    takes milliseconds (the run history pages, answered on the event loop), that backlog would
    otherwise hold up the next run's first second. A health request on a new connection is
    answered after it.
    """
    await send_once(server.port, request_bytes(server.port, "GET", HEALTH_PATH))


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


def environment(postgresql: str) -> list[tuple[str, str]]:
    """What the numbers were measured on; `postgresql` says which PostgreSQL, or why none."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    extras = [name for name in ("httptools", "uvloop") if _installed(name)]
    return [
        ("Date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("nproc", str(len(os.sched_getaffinity(0)))),
        ("Cores under wrk", _cores_under_load()),
        ("Load average at the start", _load_average()),
        ("CPU", cpu),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("mlprep", f"{version('mlprep')} ({_git_revision()})"),
        ("uvicorn", f"{version('uvicorn')} ({', '.join(extras) or 'pure Python'})"),
        (
            "Load",
            f"wrk -t1 -c{CONNECTIONS}, {REPEATS} runs of {SECONDS_PER_RUN:g} s per scenario and "
            f"server after {WARM_UP_REQUESTS} warm-up requests (at most "
            f"{WARM_UP_TIME_LIMIT:g} s), each run on a server that has answered the last run's "
            "requests, 127.0.0.1 only",
        ),
        ("Client", f"{_wrk_version()}, a process of its own"),
        ("mlprep server", "`mlprep serve --speed 0`, SQLite in a fresh temporary data directory"),
        ("PostgreSQL", postgresql),
    ]


def _load_average() -> str:
    one, five, _rest = Path("/proc/loadavg").read_text().split(" ", 2)
    cores = len(os.sched_getaffinity(0))
    shared = " (the machine was shared: other work was running)" if float(one) > 1.0 else ""
    return f"{one} (1 min), {five} (5 min) on {cores} cores{shared}"


def _wrk_version() -> str:
    done = subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


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


async def check_statuses(server: Server, scenarios: list[Scenario], token: str) -> None:
    """Each scenario answers `server` with its expected status (else the bench stops)."""
    for scenario in scenarios:
        response = await send_once(server.port, scenario_request(scenario, server.port, token))
        if response.status != scenario.status:
            raise RuntimeError(f"{server.name} answered {scenario.path} with {response.status}")


async def start_postgres(workdir: Path) -> tuple[PostgresMlprep | None, str, str | None]:
    """mlprep on PostgreSQL, ready and checked: (server or None, its token, why not started)."""
    try:
        postgres = await asyncio.to_thread(start_postgres_mlprep, workdir, ADMIN_PASSWORD)
    except PostgresNotStartedError as error:
        return None, "", str(error)
    try:
        token = await log_in(postgres.server.port, ADMIN, ADMIN_PASSWORD)
        await check_statuses(postgres.server, SCENARIOS, token)
    except BaseException:
        postgres.stop()
        raise
    return postgres, token, None


async def start_history_server(workdir: Path, seeded: SeededHistory) -> tuple[Server, str]:
    """The mlprep server on the seeded data directory, with its token, once its own run history
    endpoint lists every seeded run and renders the newest one."""
    server = mlprep_server(
        workdir / "data-history",
        workdir / "mlprep-history.log",
        ADMIN_PASSWORD,
        name=f"mlprep with {seeded.runs:,} runs",
    )
    server.start()
    try:
        token = await log_in(server.port, ADMIN, ADMIN_PASSWORD)
        auth = [("Authorization", f"Bearer {token}")]
        page = json_body(
            await send_once(server.port, request_bytes(server.port, "GET", RUNS_PAGE, headers=auth))
        )
        if page["total"] != seeded.runs or len(page["items"]) != min(50, seeded.runs):
            raise RuntimeError(f"{server.name} lists {page['total']} runs")
        newest_id, newest_views = seeded.newest_run
        if page["items"][0]["id"] != newest_id:
            raise RuntimeError(f"{server.name} lists {page['items'][0]} first")
        newest = f"{RUNS_PAGE}/{newest_id}"
        run = json_body(
            await send_once(server.port, request_bytes(server.port, "GET", newest, headers=auth))
        )
        if len(run["views"]) != newest_views:
            raise RuntimeError(f"{server.name} shows the newest seeded run as {run}")
    except BaseException:
        server.stop()
        raise
    return server, token


async def measure_history(
    empty: Server, empty_token: str, seeded: Server, seeded_token: str, procedure_id: str
) -> list[Paired]:
    """HISTORY_SCENARIOS on both servers, each with a run waiting at its first view; the empty
    server's run is then answered to its end (the runs measured next start from idle)."""
    empty_run = await on_new_connection(
        empty.port, lambda connection: open_run(connection, empty.port, empty_token, procedure_id)
    )
    await on_new_connection(
        seeded.port,
        lambda connection: open_run(connection, seeded.port, seeded_token, procedure_id),
    )
    await check_statuses(empty, HISTORY_SCENARIOS, empty_token)
    await check_statuses(seeded, HISTORY_SCENARIOS, seeded_token)
    pairs = []
    targets = [Target(empty, empty_token), Target(seeded, seeded_token)]
    for scenario in HISTORY_SCENARIOS:
        print(f"… {scenario.label}: this bench's runs and {HISTORY_RUNS:,}", flush=True)
        on_empty, on_seeded = await sample_each(scenario, targets)
        pairs.append(Paired(scenario.label, on_empty, on_seeded))
    await on_new_connection(
        empty.port, lambda connection: finish_run(connection, empty.port, empty_token, empty_run)
    )
    return pairs


async def on_new_connection(port: int, work: Callable[[Connection], Awaitable[T]]) -> T:
    """`work` on a connection of its own, closed after (an idle keep-alive connection would be
    closed by the server while wrk runs)."""
    connection = Connection(port)
    try:
        return await work(connection)
    finally:
        await connection.close()


async def benchmark(workdir: Path) -> Report:
    """Start the servers, run every scenario, stop them all; the report."""
    notes: list[str] = []
    ensure_wrk()
    mlprep = mlprep_server(workdir / "data", workdir / "mlprep.log", ADMIN_PASSWORD)
    baseline: Server | None = None
    postgres: PostgresMlprep | None = None
    history: Server | None = None
    codes: dict[str, int | None] = {}
    mlprep.start()  # the first start: migrations, the admin (an argon2 hash), the catalogue
    first_start = mlprep.startup_seconds
    if (code := mlprep.stop()) != 0:
        notes.append(f"mlprep exited with {code} after SIGTERM at its first stop (expected 0).")
    mlprep.start()  # the second start, on the data directory the first one made
    try:
        token = await log_in(mlprep.port, ADMIN, ADMIN_PASSWORD)
        captured = {
            s.path: await send_once(mlprep.port, scenario_request(s, mlprep.port, token))
            for s in SCENARIOS
        }
        for scenario in SCENARIOS:
            status = captured[scenario.path].status
            if status != scenario.status:
                raise RuntimeError(f"mlprep answered {scenario.path} with {status}")
        responses_path = workdir / "responses.json"
        recorded = {f"GET {path}": replayable(r) for path, r in captured.items()}
        responses_path.write_text(json.dumps(recorded))

        baseline = baseline_server(
            responses_path, workdir / "baseline.log", workdir / "baseline-journal.sqlite"
        )
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

        # The PostgreSQL server's start-up is not among the figures: the history is seeded
        # meanwhile, in a thread. The seeded server starts alone, after both.
        print(f"… seeding {HISTORY_RUNS:,} runs; starting PostgreSQL", flush=True)
        seeding = asyncio.create_task(
            asyncio.to_thread(seed_history, workdir / "data-history", ADMIN_PASSWORD, HISTORY_RUNS)
        )
        postgres, postgres_token, postgres_missing = await start_postgres(workdir)
        seeded = await seeding
        print(f"… seeded in {seeded.seconds:.1f} s; {postgres_missing or 'PostgreSQL up'}")
        history, history_token = await start_history_server(workdir, seeded)

        comparisons = []
        postgres_pairs = []
        targets = [Target(mlprep, token), Target(baseline, token)]
        if postgres is not None:
            targets.append(Target(postgres.server, postgres_token))
        for scenario in SCENARIOS:
            print(f"… {scenario.label}", flush=True)
            on_mlprep, on_baseline, *on_postgres = await sample_each(scenario, targets)
            comparisons.append(Comparison(scenario.label, on_mlprep, on_baseline))
            if on_postgres:
                postgres_pairs.append(Paired(scenario.label, on_mlprep, on_postgres[0]))
        serving_rss = mlprep.rss_bytes()
        if postgres is not None:
            codes["mlprep on PostgreSQL"] = postgres.stop()
            postgres_version = postgres.version
            postgres = None
        else:
            postgres_version = None

        procedures = json_body(captured["/api/v1/maintenance"])
        daily = next(p["id"] for p in procedures if p["name"] == DAILY_MAINTENANCE)
        print("… Daily Maintenance runs", flush=True)
        runs = await drive_runs(mlprep, token, daily)
        print("… close-view → next view event, a bare push and a committed one", flush=True)
        event_latency = await close_view_to_next_view(mlprep.port, token, daily, EVENT_RUNS)
        push_latency = await bare_push(baseline.port, len(event_latency))
        committed_latency = await bare_push(baseline.port, len(event_latency), PUSH_COMMITTED)

        history_pairs = await measure_history(mlprep, token, history, history_token, daily)
        history_startup = history.startup_seconds
        codes[history.name] = history.stop()
        history = None
        print("… POST /api/v1/authenticate", flush=True)
        auth = await authenticate(mlprep)

        rss = [
            ("mlprep RSS after the comparable scenarios", serving_rss),
            ("mlprep RSS at the end (after runs and argon2 logins)", mlprep.rss_bytes()),
            ("mlprep peak RSS (VmHWM)", mlprep.peak_rss_bytes()),
            ("baseline RSS at the end", baseline.rss_bytes()),
        ]
        startup = [
            ("mlprep, first start (a fresh data directory)", first_start),
            ("mlprep, second start (the same data directory)", mlprep.startup_seconds),
            ("baseline", baseline.startup_seconds),
        ]
    finally:
        if history is not None:
            codes[history.name] = history.stop()
        if postgres is not None:
            codes["mlprep on PostgreSQL"] = postgres.stop()
        codes["mlprep"] = mlprep.stop()
        codes["baseline"] = baseline.stop() if baseline else None

    for comparison in comparisons:
        for name, sampled in (("mlprep", comparison.mlprep), ("baseline", comparison.baseline)):
            _note_wrk_problems(notes, f"{comparison.scenario} on {name}", sampled)
    for pair in postgres_pairs:
        _note_wrk_problems(notes, f"{pair.scenario} on PostgreSQL", pair.other)
    for pair in history_pairs:
        _note_wrk_problems(notes, f"{pair.scenario} on the bench's own history", pair.reference)
        _note_wrk_problems(notes, f"{pair.scenario} with {HISTORY_RUNS:,} runs", pair.other)
    if auth.load.mismatches:
        raise RuntimeError(f"{auth.load.mismatches} correct logins were refused")
    if len(runs.seconds) < RUNS:
        notes.append(f"Only {len(runs.seconds)} runs fit in {RUNS_TIME_LIMIT:.0f} s.")
    for name, code in codes.items():
        if code != 0:
            notes.append(f"{name} exited with {code} after SIGTERM (expected 0).")
    notes.append(
        f"Latencies are under a closed loop of {CONNECTIONS} connections, so they include "
        f"queueing in the server (p50 ≈ {CONNECTIONS} / req/s when the server is the bottleneck)."
    )
    notes.append(
        "Server CPU is read from /proc/<pid>/stat (user + system, 10 ms ticks) around each run."
    )
    if len(os.sched_getaffinity(0)) <= 2:
        notes.append(
            "With 2 cores, wrk (one thread) shares the machine with the server: the baseline's "
            "req/s is partly bounded by it; the CPU/request ratio is the steadier comparison."
        )
    return Report(
        environment=environment(
            f"{postgres_version}, a throw-away cluster on 127.0.0.1 (tests/postgres.py), fsync off"
            if postgres_version
            else f"not measured: {postgres_missing}"
        ),
        comparisons=comparisons,
        runs=runs,
        authenticate=auth,
        authenticate_concurrency=AUTHENTICATE_CONCURRENCY,
        rss=rss,
        notes=notes,
        startup=startup,
        events=(event_latency, push_latency, committed_latency),
        connections=CONNECTIONS,
        repeats=REPEATS,
        history=HistoryResult(seeded, history_pairs, history_startup),
        postgresql=PostgresResult(postgres_version, postgres_pairs, postgres_missing),
    )


def _cores_under_load() -> str:
    cores = placement()
    if cores is None:
        return "one core: wrk and the server share it"
    servers = ",".join(str(core) for core in sorted(cores.servers))
    load = ",".join(str(core) for core in sorted(cores.load))
    return f"servers on CPU {servers}, wrk on CPU {load} (bench/cores.py)"


def _note_wrk_problems(notes: list[str], what: str, sampled: Sampled) -> None:
    """Socket errors, and runs in which no request was answered (their figures are zeros)."""
    errors = sum(result.socket_errors for result, _ in sampled.runs)
    if errors:
        notes.append(f"{what}: {errors} socket errors in wrk.")
    empty = sum(1 for result, _ in sampled.runs if result.requests == 0)
    if empty:
        notes.append(f"{what}: {empty} of {len(sampled.runs)} wrk runs had no answer at all.")


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
