"""Which cores the load generator and the servers under load run on.

On a machine of two cores, wrk and the server it loads otherwise share both, and the kernel
moves them between the cores as it pleases: a round of the server's event loop that waits while
wrk runs on its core is answered late, and at 64 connections in a closed loop those rounds are
the p99. With wrk on a core of its own and the servers on the others, as a load generator on
another machine would be, each pays for its own work only. Both servers of a comparison are
placed alike, so the ratios stay fair; start-up, the event latencies and the runs are measured
with every core, as a user's machine would run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Placement:
    """The cores of the servers and the core of the load generator."""

    servers: frozenset[int]
    load: frozenset[int]

    def load_command(self, command: Sequence[str]) -> list[str]:
        """`command`, run on the load generator's core (with `taskset`, where it is installed)."""
        taskset = shutil.which("taskset")
        if taskset is None:
            return list(command)
        cores = ",".join(str(core) for core in sorted(self.load))
        return [taskset, "--cpu-list", cores, *command]


def placement() -> Placement | None:
    """The last allowed core for wrk and the rest for the servers; None on a single core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return Placement(servers=frozenset(cores[:-1]), load=frozenset(cores[-1:]))


@contextmanager
def pinned(pids: Sequence[int], cores: frozenset[int]) -> Iterator[None]:
    """Every thread of the processes `pids` on `cores` for the block; every core again after."""
    everywhere = os.sched_getaffinity(0)
    _place(pids, cores)
    try:
        yield
    finally:
        _place(pids, everywhere)


def _place(pids: Sequence[int], cores: set[int] | frozenset[int]) -> None:
    # sched_setaffinity places one thread; a thread started later inherits its starter's cores.
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(ProcessLookupError):  # the thread has ended since the listing
                os.sched_setaffinity(int(task.name), cores)
