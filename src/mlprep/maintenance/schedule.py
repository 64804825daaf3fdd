"""When a procedure falls due: `dueDateTime` and `Ok`/`Expired` (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mlprep.contract.maintenance import ProcedureStatus, UvInterval
from mlprep.contract.time import EMPTY_DATE, LARGEST_DATE
from mlprep.maintenance.catalogue import ProcedureDefinition

UV_INTERVALS: dict[UvInterval, timedelta] = {
    UvInterval.DAILY: timedelta(days=1),
    UvInterval.WEEKLY: timedelta(days=7),
}


@dataclass(frozen=True)
class Schedule:
    """A procedure's last execution, due date and status at one instant."""

    last_execution_time: datetime
    due_date_time: datetime
    status: ProcedureStatus


def due_date(
    definition: ProcedureDefinition,
    last_execution: datetime | None,
    uv_interval: UvInterval,
    first_protocol_run_end_after_last: datetime | None,
) -> datetime:
    """`lastExecutionTime + interval`; UV Decontamination follows the UV routine setting.

    A never-executed procedure counts from the platform's empty date, so it is due on 0001-01-02.
    With `EveryProtocolRun` the UV procedure is due when the first protocol run after its last
    execution ended (the largest date while there has been none); `Never` keeps it at the largest
    date.
    """
    last = last_execution or EMPTY_DATE
    if not definition.follows_uv_setting:
        assert definition.interval is not None
        return _add_capped(last, definition.interval)
    if uv_interval is UvInterval.NEVER:
        return LARGEST_DATE
    if uv_interval is UvInterval.EVERY_PROTOCOL_RUN:
        return first_protocol_run_end_after_last or LARGEST_DATE
    return _add_capped(last, UV_INTERVALS[uv_interval])


def schedule(
    definition: ProcedureDefinition,
    last_execution: datetime | None,
    uv_interval: UvInterval,
    first_protocol_run_end_after_last: datetime | None,
    now: datetime,
) -> Schedule:
    """The procedure's schedule at `now`: `Expired` from the due instant on."""
    due = due_date(definition, last_execution, uv_interval, first_protocol_run_end_after_last)
    return Schedule(
        last_execution_time=last_execution or EMPTY_DATE,
        due_date_time=due,
        status=ProcedureStatus.EXPIRED if now >= due else ProcedureStatus.OK,
    )


def _add_capped(start: datetime, interval: timedelta) -> datetime:
    try:
        return min(start + interval, LARGEST_DATE)
    except OverflowError:
        return LARGEST_DATE
