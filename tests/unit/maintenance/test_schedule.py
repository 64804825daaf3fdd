"""When a procedure falls due: `lastExecutionTime + interval`, and UV Decontamination's own rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlprep.contract.maintenance import ProcedureStatus, UvInterval
from mlprep.contract.time import EMPTY_DATE, LARGEST_DATE, format_instrument_time
from mlprep.maintenance.catalogue import ProcedureDefinition
from mlprep.maintenance.schedule import schedule

LAST = datetime(2026, 4, 29, 14, 13, 24, 275456, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
WEEKLY = ProcedureDefinition(
    key="weekly", id="7" * 32, name="Weekly", info="", interval=timedelta(days=7), steps=()
)
UV = ProcedureDefinition(key="uv", id="a" * 32, name="UV", info="", interval=None, steps=())


def test_a_procedure_is_due_one_interval_after_its_last_execution() -> None:
    plan = schedule(WEEKLY, LAST, UvInterval.DAILY, None, LAST + timedelta(days=1))

    assert plan.last_execution_time == LAST
    assert plan.due_date_time == LAST + timedelta(days=7)
    assert plan.status is ProcedureStatus.OK


def test_the_status_flips_to_expired_exactly_at_the_due_instant() -> None:
    due = LAST + timedelta(days=7)

    just_before = schedule(WEEKLY, LAST, UvInterval.DAILY, None, due - ONE_MICROSECOND)
    at_due = schedule(WEEKLY, LAST, UvInterval.DAILY, None, due)

    assert just_before.status is ProcedureStatus.OK
    assert at_due.status is ProcedureStatus.EXPIRED


def test_a_procedure_never_executed_counts_from_the_empty_date_and_is_expired() -> None:
    plan = schedule(WEEKLY, None, UvInterval.DAILY, None, LAST)

    assert format_instrument_time(plan.last_execution_time) == "0001-01-01T00:00:00+00:00"
    assert plan.due_date_time == EMPTY_DATE + timedelta(days=7)
    assert plan.status is ProcedureStatus.EXPIRED


def test_a_daily_procedure_never_executed_is_due_on_the_second_day_of_year_one() -> None:
    daily = ProcedureDefinition("daily", "d" * 32, "Daily", "", timedelta(days=1), ())

    plan = schedule(daily, None, UvInterval.DAILY, None, LAST)

    assert plan.due_date_time == datetime(1, 1, 2, tzinfo=UTC)
    assert plan.status is ProcedureStatus.EXPIRED


def test_uv_set_to_never_is_due_on_the_largest_date_and_stays_ok() -> None:
    plan = schedule(UV, None, UvInterval.NEVER, LAST, LAST + timedelta(days=3650))

    assert plan.due_date_time == LARGEST_DATE
    assert format_instrument_time(plan.due_date_time) == "9999-12-31T23:59:59.999999+00:00"
    assert plan.status is ProcedureStatus.OK


@pytest.mark.parametrize(
    ("interval", "days"), [(UvInterval.DAILY, 1), (UvInterval.WEEKLY, 7)], ids=["Daily", "Weekly"]
)
def test_uv_daily_and_weekly_count_from_the_last_execution(interval: UvInterval, days: int) -> None:
    due = LAST + timedelta(days=days)

    before = schedule(UV, LAST, interval, None, due - ONE_MICROSECOND)
    after = schedule(UV, LAST, interval, None, due)

    assert before.due_date_time == due
    assert before.status is ProcedureStatus.OK
    assert after.status is ProcedureStatus.EXPIRED


def test_uv_every_protocol_run_waits_for_a_protocol_run_after_the_last_execution() -> None:
    plan = schedule(UV, LAST, UvInterval.EVERY_PROTOCOL_RUN, None, LAST + timedelta(days=365))

    assert plan.due_date_time == LARGEST_DATE
    assert plan.status is ProcedureStatus.OK


def test_uv_every_protocol_run_is_due_when_the_first_protocol_run_after_it_ended() -> None:
    protocol_end = LAST + timedelta(hours=2)

    before = schedule(
        UV, LAST, UvInterval.EVERY_PROTOCOL_RUN, protocol_end, protocol_end - ONE_MICROSECOND
    )
    after = schedule(UV, LAST, UvInterval.EVERY_PROTOCOL_RUN, protocol_end, protocol_end)

    assert before.due_date_time == protocol_end
    assert before.status is ProcedureStatus.OK
    assert after.status is ProcedureStatus.EXPIRED


def test_a_fixed_interval_ignores_the_uv_setting() -> None:
    for interval in UvInterval:
        plan = schedule(WEEKLY, LAST, interval, LAST + timedelta(hours=1), LAST)
        assert plan.due_date_time == LAST + timedelta(days=7)
