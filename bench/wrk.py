"""The load generator: `wrk` (Debian's package), in a process of its own.

An in-process asyncio client on a 2-core machine spends more CPU per request than the bare
baseline does, so it bounds the baseline's figures; wrk (C, one thread here) does not. It only ever
targets 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WRK = "wrk"
_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class WrkMissingError(RuntimeError):
    """wrk is not installed."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def ensure_wrk() -> str:
    """The path of `wrk`; as root, installs Debian's package when it is missing.

    Raises:
        WrkMissingError: not installed, and it cannot be installed here.
    """
    found = shutil.which(WRK)
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        install = ["apt-get", "install", "-y", "wrk"]
        subprocess.run(install, capture_output=True, check=False)
        if shutil.which(WRK) is None:  # the package lists may be missing on a fresh machine
            subprocess.run(["apt-get", "update"], capture_output=True, check=False)
            subprocess.run(install, capture_output=True, check=False)
        found = shutil.which(WRK)
    if found is None:
        raise WrkMissingError("wrk is needed for the benchmark: apt-get install wrk (as root).")
    return found


def run_wrk(
    url: str,
    *,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    placed: Callable[[Sequence[str]], list[str]] = list,
) -> WrkResult:
    """Load `url` (on 127.0.0.1) with `connections` keep-alive connections for `seconds`;
    `placed` may put the command on cores of its own (`Placement.load_command`)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the benchmark only loads 127.0.0.1")
    command = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(placed([*command, url]), capture_output=True, text=True, check=True)
    return parse(done.stdout)


def parse(output: str) -> WrkResult:
    """The figures of wrk's `--latency` report."""
    latencies = {int(p): float(v) * _TO_MS[unit] for p, v, unit in _LATENCY.findall(output)}
    rate = _RATE.search(output)
    total = _TOTAL.search(output)
    if rate is None or total is None or 50 not in latencies or 99 not in latencies:
        raise RuntimeError(f"could not read wrk's report:\n{output}")
    non_2xx = _NON_2XX.search(output)
    errors = _ERRORS.search(output)
    return WrkResult(
        requests=int(total.group(1)),
        per_second=float(rate.group(1)),
        p50_ms=latencies[50],
        p99_ms=latencies[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )
