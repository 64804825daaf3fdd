"""Store calls made together share one transaction: they are kept together (one commit) or lost
together, while a store call on another thread meanwhile is a transaction of its own."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from mlprep.store.audit import AuditRecord, AuditStore
from mlprep.store.transactions import shared

START = datetime(2026, 4, 29, 14, 13, 24, 275456, tzinfo=UTC)


def entry(number: int) -> AuditRecord:
    return AuditRecord(
        id=f"{number:032x}",
        at=START + timedelta(seconds=number),
        actor="admin",
        action="maintenance.start",
        target=None,
        outcome="success",
        client=None,
        detail=None,
    )


def kept(store: AuditStore) -> list[str]:
    entries, _total = store.page(0, 100)
    return sorted(record.id for record in entries)


def commits_of(engine: Engine) -> list[int]:
    counted: list[int] = []
    event.listen(engine, "commit", lambda _connection: counted.append(1))
    return counted


def test_calls_made_together_are_committed_once(engine: Engine) -> None:
    store = AuditStore(engine)
    commits = commits_of(engine)

    with shared(engine):
        store.append(entry(1))
        store.append(entry(2))
        with shared(engine):  # inside one already: the same transaction
            store.append(entry(3))

    assert len(commits) == 1
    assert kept(store) == [entry(n).id for n in (1, 2, 3)]


def test_calls_made_together_are_lost_together(engine: Engine) -> None:
    store = AuditStore(engine)
    store.append(entry(1))

    with pytest.raises(RuntimeError), shared(engine):
        store.append(entry(2))
        raise RuntimeError("the database went away")

    assert kept(store) == [entry(1).id]
    store.append(entry(3))  # one call alone is its own transaction again
    assert kept(store) == [entry(1).id, entry(3).id]


def test_a_call_on_another_thread_meanwhile_is_a_transaction_of_its_own(engine: Engine) -> None:
    store = AuditStore(engine)

    with pytest.raises(RuntimeError), shared(engine):
        other = threading.Thread(target=store.append, args=(entry(1),))
        other.start()
        other.join(timeout=30)
        assert not other.is_alive()
        store.append(entry(2))
        raise RuntimeError("given up")

    assert kept(store) == [entry(1).id]
