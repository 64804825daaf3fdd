"""A short soak in every `make test` (the ten-minute one is `make soak`): mixed load with faults
at 10 % gives no 5xx, leaves every run terminal and the counters consistent."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.soak import report, soak

SECONDS = 15.0


def test_a_short_soak_passes_every_check(tmp_path: Path) -> None:
    tally, end, failed = soak(SECONDS, tmp_path / "data")

    assert failed == [], report(SECONDS, tally, failed)
    assert sum(tally.statuses.values()) > 100
    assert end["runs"]["items"]
