"""The audit store appends entries and pages through them newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from mlprep.store.audit import AuditRecord, AuditStore

START = datetime(2026, 4, 29, 14, 13, 24, 275456, tzinfo=UTC)


def entry(
    number: int,
    action: str = "login",
    *,
    actor: str | None = "admin",
    target: str | None = None,
    outcome: str = "success",
    client: str | None = "127.0.0.1",
    detail: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        id=f"{number:032x}",
        at=START + timedelta(seconds=number),
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        client=client,
        detail=detail,
    )


@pytest.fixture
def store(engine: Engine) -> AuditStore:
    return AuditStore(engine)


def test_an_empty_trail_has_no_entries(store: AuditStore) -> None:
    assert store.page(0, 10) == ([], 0)


def test_entries_come_back_newest_first_exactly_as_written(store: AuditStore) -> None:
    first = entry(1, actor=None, client=None)
    second = entry(2, "user.add", target="bob", detail="role Operator")
    store.append(first)
    store.append(second)

    assert store.page(0, 10) == ([second, first], 2)


def test_a_page_is_a_window_on_the_whole_trail(store: AuditStore) -> None:
    for number in range(1, 8):
        store.append(entry(number))

    records, total = store.page(offset=2, limit=3)

    assert [record.id for record in records] == [f"{n:032x}" for n in (5, 4, 3)]
    assert total == 7


def test_the_trail_can_be_narrowed_to_one_action(store: AuditStore) -> None:
    store.append(entry(1, "login"))
    store.append(entry(2, "logout"))
    store.append(entry(3, "login", outcome="failure"))

    records, total = store.page(0, 10, action="login")

    assert [(record.id, record.outcome) for record in records] == [
        (f"{3:032x}", "failure"),
        (f"{1:032x}", "success"),
    ]
    assert total == 2
