"""The results as Markdown: written to bench/results.md and printed."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.load import LoadResult, percentile
from bench.wrk import WrkResult

if TYPE_CHECKING:
    from bench.history_seed import SeededHistory

MIB = 1024 * 1024
# The bar for reads on PostgreSQL, as a share of SQLite's req/s.
POSTGRES_TARGET = 0.40
# The first cells of history.md's rows for the targets that every run measures: the report
# states this run's figures in them.
HISTORY_TARGET_ROW = "List and current-run latency unchanged at 100,000 finished runs"
POSTGRES_TARGET_ROW = "PostgreSQL ≥ 0.40× the SQLite figures for reads"
# Kept by hand (what each change bought, the targets): appended to every report.
HISTORY = Path(__file__).with_name("history.md")


@dataclass(frozen=True)
class Measured:
    """A load against one server, with the server CPU time it cost."""

    load: LoadResult
    cpu_seconds: float

    @property
    def cpu_us_per_request(self) -> float:
        """Server CPU (user + system) per completed request, in microseconds."""
        return self.cpu_seconds / self.load.requests * 1e6 if self.load.requests else 0.0


@dataclass(frozen=True)
class Sampled:
    """Repeated wrk runs of one scenario on one server, with the server CPU each cost; every
    figure reported is the median over the runs."""

    runs: list[tuple[WrkResult, float]]  # (wrk's figures, server CPU seconds)

    def _median(self, values: Sequence[float]) -> float:
        return statistics.median(values) if values else 0.0

    @property
    def requests(self) -> int:
        """Requests completed over all runs."""
        return sum(result.requests for result, _ in self.runs)

    @property
    def per_second(self) -> float:
        return self._median([result.per_second for result, _ in self.runs])

    @property
    def p50_ms(self) -> float:
        return self._median([result.p50_ms for result, _ in self.runs])

    @property
    def p99_ms(self) -> float:
        return self._median([result.p99_ms for result, _ in self.runs])

    @property
    def cpu_us_per_request(self) -> float:
        return self._median(
            [cpu / result.requests * 1e6 for result, cpu in self.runs if result.requests]
        )


@dataclass(frozen=True)
class Comparison:
    """One scenario measured on mlprep and on the baseline."""

    scenario: str
    mlprep: Sampled
    baseline: Sampled


@dataclass(frozen=True)
class Paired:
    """One scenario on two mlprep servers that differ in one thing: the history, or the
    database. `reference` is the server of the other tables (SQLite, this bench's own runs)."""

    scenario: str
    reference: Sampled
    other: Sampled

    @property
    def not_slower(self) -> bool:
        """Whether the other server's req/s is not below the reference's beyond the run-to-run
        spread on this machine: its best run reaches the reference's worst. (Faster beyond the
        spread is not a loss: it is the spread between two processes, not the history.)"""
        ours = [result.per_second for result, _ in self.reference.runs]
        theirs = [result.per_second for result, _ in self.other.runs]
        return bool(ours and theirs) and max(theirs) >= min(ours)


@dataclass(frozen=True)
class HistoryResult:
    """The run reads on the bench's own history and on a seeded one, in the same bench run."""

    seeded: SeededHistory
    pairs: list[Paired]  # reference: the bench's own runs; other: the seeded history
    startup_seconds: float  # the seeded server's, from exec to healthy


@dataclass(frozen=True)
class PostgresResult:
    """The comparable reads on PostgreSQL against SQLite, or why they were not measured."""

    version: str | None
    pairs: list[Paired]  # reference: SQLite; other: PostgreSQL
    unavailable: str | None = None


@dataclass(frozen=True)
class RunsResult:
    """Whole maintenance runs driven through the API, one after another."""

    seconds: list[float]  # wall-clock time of each run
    requests: int  # HTTP requests all runs took
    total_seconds: float
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        """Runs per second of wall-clock time."""
        return len(self.seconds) / self.total_seconds if self.total_seconds else 0.0


@dataclass(frozen=True)
class Report:
    """Everything one benchmark run measured."""

    environment: list[tuple[str, str]]
    comparisons: list[Comparison]
    runs: RunsResult
    authenticate: Measured
    authenticate_concurrency: int
    rss: list[tuple[str, int]]  # (what, bytes)
    notes: list[str]
    startup: list[tuple[str, float]]  # (server, seconds from exec to a healthy answer)
    # Seconds: close-view → next view's event (mlprep), POST → pushed frame (baseline), and
    # POST → commit → pushed frame (baseline).
    events: tuple[list[float], list[float], list[float]]
    connections: int
    repeats: int
    history: HistoryResult
    postgresql: PostgresResult


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    right_from: int = 1,
    left: Sequence[int] = (),
) -> list[str]:
    """A Markdown table; columns before `right_from` and those in `left` align left."""
    align = ["---" if i < right_from or i in left else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ms(value: float) -> str:
    return f"{value:.2f}"


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.3g}×" if denominator else "n/a"


def render(report: Report) -> str:
    """The report as a Markdown document."""
    lines = [
        "# mlprep benchmarks",
        "",
        "Written by `make bench` (`python -m bench`), overwritten on each run. One run on one",
        "machine, with the load generator on the same machine: compare ratios, not absolute",
        "numbers, across machines. Timings are never asserted in tests.",
        "",
        *_table(["Environment", ""], report.environment, right_from=2),
        "",
        "## mlprep and the bare-ASGI baseline",
        "",
        "The baseline is a minimal ASGI callable under the same uvicorn settings, answering the",
        "same paths with the bytes mlprep returned (status, headers, body; no auth, no database).",
        "Before the load, each captured response was replayed by the baseline byte for byte.",
        f"Load: wrk, {report.connections} connections, in a process of its own; each figure is",
        f"the median of {report.repeats} runs. The servers' runs alternate (each round starts",
        "with the next server), so a change in the machine's load falls on all of them alike.",
        "",
    ]
    rows = []
    for comparison in report.comparisons:
        for name, measured in (("mlprep", comparison.mlprep), ("baseline", comparison.baseline)):
            rows.append(
                [
                    comparison.scenario if name == "mlprep" else "",
                    name,
                    f"{measured.requests:,}",
                    f"{measured.per_second:,.0f}",
                    _ms(measured.p50_ms),
                    _ms(measured.p99_ms),
                    f"{measured.cpu_us_per_request:,.0f}",
                ]
            )
    header = ["Scenario", "Server", "Requests", "Req/s", "p50 ms", "p99 ms"]
    lines += _table([*header, "Server CPU µs/req"], rows, right_from=2)
    lines += ["", "### Ratio mlprep / baseline", ""]
    ratio_rows = []
    for comparison in report.comparisons:
        mine, base = comparison.mlprep, comparison.baseline
        ratio_rows.append(
            [
                comparison.scenario,
                _ratio(mine.per_second, base.per_second),
                _ratio(mine.p50_ms, base.p50_ms),
                _ratio(mine.p99_ms, base.p99_ms),
                _ratio(mine.cpu_us_per_request, base.cpu_us_per_request),
            ]
        )
    lines += _table(["Scenario", "Req/s", "p50", "p99", "Server CPU/req"], ratio_rows)
    runs, auth = report.runs, report.authenticate
    run_rows = [
        [
            f"Daily Maintenance run through the API ({len(runs.seconds)} runs, one at a time)",
            str(len(runs.seconds)),
            f"{runs.per_second:.1f} runs/s",
            _ms(percentile(runs.seconds, 50) * 1000),
            _ms(percentile(runs.seconds, 95) * 1000),
            _ms(percentile(runs.seconds, 99) * 1000),
            f"{runs.requests / max(len(runs.seconds), 1):.1f} requests/run; "
            f"{runs.cpu_seconds / max(len(runs.seconds), 1) * 1000:.1f} ms server CPU/run",
        ],
        [
            f"POST /api/v1/authenticate (argon2; concurrency {report.authenticate_concurrency})",
            str(auth.load.requests),
            f"{auth.load.per_second:.1f} req/s",
            _ms(auth.load.percentile_ms(50)),
            _ms(auth.load.percentile_ms(95)),
            _ms(auth.load.percentile_ms(99)),
            f"{auth.cpu_us_per_request / 1000:.1f} ms server CPU/req",
        ],
    ]
    lines += ["", "## mlprep only (no baseline equivalent)", ""]
    lines += _table(
        ["Scenario", "Count", "Rate", "p50 ms", "p95 ms", "p99 ms", "Notes"],
        run_rows,
        right_from=1,
        left=[6],
    )
    closing, pushing, committing = report.events
    lines += ["", "## Event latency", ""]
    lines += [
        "Seconds from sending `POST /api/v1/maintenance/close-view` to the arrival of the next",
        "view's `maintenancedata` (or the run's `finished`) on `/NimbusLite/instinctevents`,",
        "one client, runs at speed 0; against the baseline's bare `POST /push` → WebSocket frame,",
        "and its `POST /push-committed`, which first commits one row to SQLite as mlprep keeps its",
        "data (WAL, `synchronous=FULL`, on a worker thread): the least that committing before",
        "announcing costs. mlprep makes one such commit between an answer and the next view.",
        "",
    ]
    paths = (
        ("mlprep close-view → next view", closing),
        ("baseline POST → push", pushing),
        ("baseline POST → commit → push", committing),
    )
    event_rows = [
        [
            what,
            str(len(samples)),
            _ms(percentile(samples, 50) * 1e3),
            _ms(percentile(samples, 99) * 1e3),
        ]
        for what, samples in paths
    ]
    event_rows += [
        [
            f"Ratio to the {against}",
            "",
            _ratio(percentile(closing, 50), percentile(samples, 50)),
            _ratio(percentile(closing, 99), percentile(samples, 99)),
        ]
        for against, samples in (("bare push", pushing), ("committed push", committing))
    ]
    lines += _table(["Path", "Samples", "p50 ms", "p99 ms"], event_rows)
    lines += _history_section(report.history)
    lines += _postgres_section(report.postgresql)
    lines += ["", "## Start-up to healthy", ""]
    lines += _table(
        ["Server", "Seconds"], [[what, f"{seconds:.2f}"] for what, seconds in report.startup]
    )
    lines += ["", "## Memory", ""]
    lines += _table(["What", "MiB"], [[what, f"{size / MIB:.1f}"] for what, size in report.rss])
    if report.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in report.notes)]
    if HISTORY.exists():
        targets = {
            HISTORY_TARGET_ROW: history_verdict(report.history),
            POSTGRES_TARGET_ROW: postgres_verdict(report.postgresql),
        }
        lines += ["", with_measured_targets(HISTORY.read_text().rstrip(), targets)]
    return "\n".join(lines) + "\n"


def _paired_rows(pairs: Sequence[Paired], names: tuple[str, str]) -> list[list[str]]:
    """Per scenario: a row per server, then the ratio other / reference."""
    rows = []
    for pair in pairs:
        for number, (name, measured) in enumerate(
            zip(names, (pair.reference, pair.other), strict=True)
        ):
            rows.append(
                [
                    pair.scenario if number == 0 else "",
                    name,
                    f"{measured.requests:,}",
                    f"{measured.per_second:,.0f}",
                    _ms(measured.p50_ms),
                    _ms(measured.p99_ms),
                    f"{measured.cpu_us_per_request:,.0f}",
                ]
            )
        mine, base = pair.other, pair.reference
        rows.append(
            [
                "",
                f"ratio {names[1]} / {names[0]}",
                "",
                _ratio(mine.per_second, base.per_second),
                _ratio(mine.p50_ms, base.p50_ms),
                _ratio(mine.p99_ms, base.p99_ms),
                _ratio(mine.cpu_us_per_request, base.cpu_us_per_request),
            ]
        )
    return rows


_PAIRED_HEADER = [
    "Scenario",
    "Server",
    "Requests",
    "Req/s",
    "p50 ms",
    "p99 ms",
    "Server CPU µs/req",
]


def _history_section(history: HistoryResult) -> list[str]:
    seeded = history.seeded
    states = ", ".join(f"{count:,} {state}" for state, count in seeded.by_state.items())
    procedures = ", ".join(f"{name} {count:,}" for name, count in seeded.by_procedure.items())
    lines = [
        "",
        f"## Run reads with {seeded.runs:,} finished runs in the history",
        "",
        "Two mlprep servers on SQLite: the one above, after this bench's own runs (about forty),",
        "and one started on",
        f"a data directory seeded with {seeded.runs:,} finished runs (`bench/history_seed.py`, "
        f"{seeded.seconds:.1f} s):",
        "",
        f"- states: {states};",
        f"- procedures: {procedures};",
        f"- {seeded.views:,} views and {seeded.errors:,} errors; started between "
        f"{seeded.first_started_at:%Y-%m-%d} and {seeded.last_ended_at:%Y-%m-%d}.",
        "",
        f"The seeded server started to healthy in {history.startup_seconds:.2f} s. On each",
        "server a Daily Maintenance run was started and waits at its first view while the reads",
        "are measured, as a client polls during a run. The two servers' wrk runs alternate.",
        "",
    ]
    rows = _paired_rows(history.pairs, ("own runs", "seeded"))
    lines += _table(_PAIRED_HEADER, rows, right_from=2)
    lines += [
        "",
        f"Target (issue 10): unchanged within noise (not slower). This run: "
        f"{history_verdict(history)}",
    ]
    return lines


def _postgres_section(postgresql: PostgresResult) -> list[str]:
    lines = ["", "## The same reads on PostgreSQL", ""]
    if postgresql.unavailable is not None:
        return [*lines, f"Not measured in this run: {postgresql.unavailable}"]
    lines += [
        "mlprep started with `--database-url` on a fresh database of a throw-away",
        f"{postgresql.version} cluster on 127.0.0.1 (the test suite's `tests/postgres.py`: fsync",
        "off); its wrk runs alternate with the SQLite server's and the baseline's above. The",
        "server CPU column is mlprep's process only, not PostgreSQL's.",
        "",
    ]
    rows = _paired_rows(postgresql.pairs, ("SQLite", "PostgreSQL"))
    lines += _table(_PAIRED_HEADER, rows, right_from=2)
    lines += [
        "",
        f"Target (issue 10): ≥ {POSTGRES_TARGET:.2f}× the SQLite req/s for reads. This run: "
        + postgres_verdict(postgresql),
    ]
    return lines


def history_verdict(history: HistoryResult) -> str:
    """Whether the run reads kept their speed with the seeded history, with the figures."""
    figures = "; ".join(
        f"{pair.scenario}: req/s {_ratio(pair.other.per_second, pair.reference.per_second)}, "
        f"p50 {_ratio(pair.other.p50_ms, pair.reference.p50_ms)}, "
        f"p99 {_ratio(pair.other.p99_ms, pair.reference.p99_ms)}"
        for pair in history.pairs
    )
    outside = [pair.scenario for pair in history.pairs if not pair.not_slower]
    runs = f"{history.seeded.runs:,}"
    if not outside:
        return (
            f"Yes: with {runs} finished runs against about forty, no read's req/s is lower beyond "
            f"the run-to-run spread. {figures}."
        )
    return (
        f"No: with {runs} finished runs against about forty, slower beyond the run-to-run spread: "
        f"{', '.join(outside)}. {figures}."
    )


def postgres_verdict(postgresql: PostgresResult) -> str:
    """Whether every read on PostgreSQL reached the target share of SQLite's req/s."""
    if postgresql.unavailable is not None or not postgresql.pairs:
        return f"Not measured in this run: {postgresql.unavailable or 'no scenario'}"
    shares = {
        pair.scenario: pair.other.per_second / pair.reference.per_second
        for pair in postgresql.pairs
        if pair.reference.per_second
    }
    lowest = min(shares, key=shares.__getitem__)
    spread = f"{min(shares.values()):.2f}–{max(shares.values()):.2f}×"
    below = [scenario for scenario, share in shares.items() if share < POSTGRES_TARGET]
    if not below:
        return (
            f"Yes: {postgresql.version} served {spread} SQLite's req/s over the "
            f"{len(shares)} reads (lowest: {lowest})."
        )
    return (
        f"No: {postgresql.version} served {spread} SQLite's req/s; below "
        f"{POSTGRES_TARGET:.2f}×: {', '.join(below)}."
    )


def with_measured_targets(history: str, verdicts: dict[str, str]) -> str:
    """`history` with the "Reached?" cell of each target in `verdicts` replaced by this run's
    verdict (history.md is kept by hand; these two targets are measured by every run)."""
    lines = history.splitlines()
    for number, line in enumerate(lines):
        for target, verdict in verdicts.items():
            if line.startswith(f"| {target} |"):
                lines[number] = f"| {target} | Measured by this run. {verdict} |"
    return "\n".join(lines)
