"""The results as Markdown: written to bench/results.md and printed."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.load import LoadResult, percentile
from bench.wrk import WrkResult

MIB = 1024 * 1024
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
    # Seconds: close-view → next view's event (mlprep), POST → pushed frame (baseline).
    events: tuple[list[float], list[float]]
    connections: int
    repeats: int


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
        f"the median of {report.repeats} runs.",
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
    closing, pushing = report.events
    lines += ["", "## Event latency", ""]
    lines += [
        "Seconds from sending `POST /api/v1/maintenance/close-view` to the arrival of the next",
        "view's `maintenancedata` (or the run's `finished`) on `/NimbusLite/instinctevents`,",
        "one client, runs at speed 0; against the baseline's bare `POST /push` → WebSocket frame.",
        "",
    ]
    paths = (("mlprep close-view → next view", closing), ("baseline POST → push", pushing))
    event_rows = [
        [
            what,
            str(len(samples)),
            _ms(percentile(samples, 50) * 1e3),
            _ms(percentile(samples, 99) * 1e3),
        ]
        for what, samples in paths
    ]
    event_rows.append(
        [
            "Ratio",
            "",
            _ratio(percentile(closing, 50), percentile(pushing, 50)),
            _ratio(percentile(closing, 99), percentile(pushing, 99)),
        ]
    )
    lines += _table(["Path", "Samples", "p50 ms", "p99 ms"], event_rows)
    lines += ["", "## Start-up to healthy", ""]
    lines += _table(
        ["Server", "Seconds"], [[what, f"{seconds:.2f}"] for what, seconds in report.startup]
    )
    lines += ["", "## Memory", ""]
    lines += _table(["What", "MiB"], [[what, f"{size / MIB:.1f}"] for what, size in report.rss])
    if report.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in report.notes)]
    if HISTORY.exists():
        lines += ["", HISTORY.read_text().rstrip()]
    return "\n".join(lines) + "\n"
