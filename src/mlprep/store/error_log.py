"""The instrument's error log: every maintenance error of its runs, with the Error view that asks
how to recover from it. An error is pending while that view is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Row, Select, and_, exists, func, select, update

from mlprep.store.runs import ErrorRecord, ViewRecord, error_from_row, view_from_row
from mlprep.store.tables import maintenance_errors, runs, views

_OF_RUN = runs.c.id == maintenance_errors.c.run_id


@dataclass(frozen=True)
class LoggedError:
    """An error and the Error view that asked about it (None for errors stored without one)."""

    error: ErrorRecord
    view: ViewRecord | None

    @property
    def pending(self) -> bool:
        """Whether the error waits for an answer (its Error view is open)."""
        return self.view is not None and self.view.closed_at is None


class ErrorLogStore:
    """Reads the errors of one instrument's runs, and clears them from the log."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def page(self, offset: int, limit: int) -> tuple[list[LoggedError], int]:
        """Errors not cleared from the log, newest first, and how many there are."""
        listed = and_(self._of_instrument(), maintenance_errors.c.cleared_at.is_(None))
        with self._engine.connect() as connection:
            rows = connection.execute(
                self._with_views()
                .where(listed)
                .order_by(
                    maintenance_errors.c.raised_at.desc(),
                    runs.c.seq.desc(),
                    maintenance_errors.c.seq.desc(),
                )
                .offset(offset)
                .limit(limit)
            ).all()
            total = connection.execute(
                select(func.count())
                .select_from(
                    maintenance_errors.join(runs, runs.c.id == maintenance_errors.c.run_id)
                )
                .where(listed)
            ).scalar_one()
        return [_logged(row) for row in rows], int(total)

    def pending(self) -> list[LoggedError]:
        """Errors whose Error view is open, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                self._with_views()
                .where(self._of_instrument(), views.c.id.is_not(None), views.c.closed_at.is_(None))
                .order_by(runs.c.seq, maintenance_errors.c.seq)
            ).all()
        return [_logged(row) for row in rows]

    def get(self, error_id: str) -> LoggedError | None:
        """One error of this instrument, with its Error view."""
        with self._engine.connect() as connection:
            row = connection.execute(
                self._with_views().where(self._of_instrument(), maintenance_errors.c.id == error_id)
            ).first()
        return _logged(row) if row else None

    def clear(self, now: datetime) -> int:
        """Clear every error that is not pending from the log; returns how many left it."""
        open_view = exists().where(
            views.c.error_id == maintenance_errors.c.id, views.c.closed_at.is_(None)
        )
        of_instrument = maintenance_errors.c.run_id.in_(
            select(runs.c.id).where(runs.c.instrument_id == self._instrument)
        )
        with self._engine.begin() as connection:
            cleared = connection.execute(
                update(maintenance_errors)
                .where(of_instrument, maintenance_errors.c.cleared_at.is_(None), ~open_view)
                .values(cleared_at=now)
            ).rowcount
        return int(cleared)

    def _of_instrument(self) -> ColumnElement[bool]:
        return runs.c.instrument_id == self._instrument

    @staticmethod
    def _with_views() -> Select[Any]:
        # Columns of the view are labelled: both tables have `id`, `run_id`, `seq`, `step_index`.
        view_columns = [column.label(f"view_{column.name}") for column in views.c]
        return select(maintenance_errors, *view_columns).select_from(
            maintenance_errors.join(runs, _OF_RUN).outerjoin(
                views, views.c.error_id == maintenance_errors.c.id
            )
        )


def _logged(row: Row[Any]) -> LoggedError:
    mapping = row._mapping
    view = None
    if mapping["view_id"] is not None:
        view = view_from_row(_Prefixed(mapping, "view_"))
    return LoggedError(error_from_row(row), view)


class _Prefixed:
    """Attribute access to the labelled columns `prefix + name` of a row."""

    def __init__(self, mapping: Any, prefix: str) -> None:
        self._mapping = mapping
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        return self._mapping[self._prefix + name]
