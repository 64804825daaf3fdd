"""While the benchmark loads its servers, wrk has a core of its own and the servers the others."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from bench.cores import pinned, placement

pytestmark = pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="placing needs two cores or more"
)

THREADED = (
    "import threading, time\n"
    "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
    "print('ready', flush=True)\n"
    "time.sleep(30)\n"
)


def _cores_of_every_thread(pid: int) -> set[frozenset[int]]:
    return {frozenset(os.sched_getaffinity(int(task))) for task in os.listdir(f"/proc/{pid}/task")}


def test_wrk_gets_the_last_core_and_the_servers_the_rest() -> None:
    cores = placement()
    assert cores is not None
    every = frozenset(os.sched_getaffinity(0))
    assert cores.load | cores.servers == every
    assert not cores.load & cores.servers
    assert len(cores.load) == 1

    command = cores.load_command(["wrk", "--version"])
    assert command[-2:] == ["wrk", "--version"]
    if len(command) > 2:  # taskset is installed
        assert command[-3] == str(max(every))


def test_every_thread_of_a_server_is_placed_for_the_block_and_freed_after() -> None:
    cores = placement()
    assert cores is not None
    server = subprocess.Popen([sys.executable, "-c", THREADED], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        assert len(os.listdir(f"/proc/{server.pid}/task")) == 2
        with pinned([server.pid], cores.servers):
            assert _cores_of_every_thread(server.pid) == {cores.servers}
        assert _cores_of_every_thread(server.pid) == {frozenset(os.sched_getaffinity(0))}
    finally:
        server.kill()
        server.communicate()
