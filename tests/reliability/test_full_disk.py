"""The data directory's disk fills up mid-run (a small tmpfs the test mounts, then fills): health
says the disk is full (503), writes are refused with 503 and change nothing, in memory or on disk;
once space is freed the run goes on from where it waited, and a restart finds everything that was
acknowledged."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import ServerProcess
from tests.reliability.outage import DAILY, Bench, eventually
from tests.reliability.small_disk import mounted_tmpfs
from tests.sessions import ADMIN_PASSWORD

FILESYSTEM_SIZE = "16m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs of the test's own (skipped where mounting is refused)."""
    with mounted_tmpfs(tmp_path / "disk", FILESYSTEM_SIZE) as mount:
        yield mount


def fill(directory: Path) -> Path:
    """Write a file in `directory` until the disk has no room left; the file."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 16, 4096, 512, 1):  # then the last bytes that fit
            with contextlib.suppress(OSError):
                while os.write(descriptor, b"\0" * size):
                    pass
    finally:
        os.close(descriptor)
    probe = directory / "probe"
    with pytest.raises(OSError) as full:
        probe.write_bytes(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    probe.unlink(missing_ok=True)
    return filler


def test_a_full_disk_mid_run_refuses_writes_and_loses_nothing(small_disk: Path) -> None:
    server = ServerProcess(
        small_disk / "data", admin_password=ADMIN_PASSWORD, args=["--speed", "0"]
    ).start()
    bench = Bench(server)
    try:
        run_id = bench.send("POST", f"/api/v1/maintenance/{DAILY}").json()["runId"]
        assert bench.answer(bench.view("Clear the deck"), "Ok").status_code == 200
        tip_waste = bench.view("Empty the tip waste")
        clock_before = bench.send("GET", "/mlprep/v1/simulator/clock").json()["offsetSeconds"]

        filler = fill(small_disk)

        health = eventually(
            lambda: (r := bench.health()).status_code == 503 and r, "health answering 503"
        )
        assert health.json()["database"] == "sqlite: disk full"
        assert "Retry-After" in health.headers
        refused = bench.answer(tip_waste, "Ok")
        assert refused.status_code == 503, refused.text
        assert "disk is full" in refused.json()["detail"]
        advanced = bench.send("POST", "/mlprep/v1/simulator/clock/advance", {"days": 2})
        assert advanced.status_code == 503, advanced.text
        # Nothing refused shows: the run waits at its view, the clock did not move.
        current = bench.current()
        assert current is not None and current["openView"]["viewId"] == tip_waste["viewId"]
        clock = bench.send("GET", "/mlprep/v1/simulator/clock").json()
        assert clock["offsetSeconds"] == clock_before

        filler.unlink()

        eventually(lambda: bench.health().status_code == 200, "health answering 200 again")
        assert bench.health().json()["database"] == "sqlite: ok"
        assert bench.answer(tip_waste, "Ok").status_code == 200
        assert bench.answer(bench.view("Deck wiped?"), "Yes").status_code == 200
        eventually(lambda: bench.current() is None, "the run's end")
    finally:
        bench.close()
        server.stop()

    server.start()
    bench = Bench(server)
    try:
        assert bench.run(run_id)["state"] == "Completed"
        clock = bench.send("GET", "/mlprep/v1/simulator/clock").json()
        assert clock["offsetSeconds"] < 2 * 86400  # the refused advance was never made
        counters = bench.send("GET", "/api/v1/maintenance/channel-counters").json()
        assert [c["tipPickUpCounter"] for c in counters] == [1, 1]
    finally:
        bench.close()
        assert server.stop() == 0, server.log()
