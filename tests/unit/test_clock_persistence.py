"""The simulated clock is instrument state: its offset and speed survive a restart, so the
instrument's time never runs backwards and a procedure never lies in the future."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mlprep.clock import FakeClock
from mlprep.services import Services, open_services, prepare_first_start
from mlprep.settings import Settings


def started(data_dir: Path, base: FakeClock, speed: float | None = None) -> Services:
    """The services of a server started on `data_dir`, as `mlprep serve` starts them."""
    services = open_services(
        Settings(data_dir=data_dir, speed=speed, admin_password="admin password"), clock=base
    )
    prepare_first_start(services)
    return services


def restarted(data_dir: Path, base: FakeClock, speed: float | None = None) -> tuple[float, float]:
    """The instrument's clock after a start on `data_dir`: (offset in days, speed)."""
    services = started(data_dir, base, speed)
    try:
        return services.clock.offset / timedelta(days=1), services.clock.speed
    finally:
        services.close()


def test_an_advance_and_a_speed_change_survive_a_restart(tmp_path: Path) -> None:
    base = FakeClock()
    services = started(tmp_path, base)
    services.clock.advance(timedelta(days=2))
    services.clock.speed = 10
    services.close()

    assert restarted(tmp_path, base) == (2.0, 10.0)


@pytest.mark.anyio
async def test_time_passed_by_an_action_survives_a_restart(tmp_path: Path) -> None:
    base = FakeClock()
    services = started(tmp_path, base, speed=0)
    await services.clock.pass_time(timedelta(hours=12))
    services.close()

    assert restarted(tmp_path, base) == (0.5, 0.0)


def test_a_speed_given_at_start_wins_over_the_kept_one_and_is_kept(tmp_path: Path) -> None:
    base = FakeClock()
    assert restarted(tmp_path, base) == (0.0, 1.0)

    assert restarted(tmp_path, base, speed=60) == (0.0, 60.0)
    assert restarted(tmp_path, base) == (0.0, 60.0)
