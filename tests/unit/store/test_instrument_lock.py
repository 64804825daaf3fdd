"""The advisory lock per instrument on PostgreSQL: one driver at a time, named to whoever is
refused; a standby waits for it; a lock lost with its connection is taken again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mlprep.errors import StartupError
from mlprep.store.instrument_lock import NAMESPACE, InstrumentLock, instrument_key
from mlprep.store.server_lock import ServerIdentity
from tests.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
DRIVER = ServerIdentity(1234, "http://127.0.0.1:8080")
OTHER = ServerIdentity(5678, "http://127.0.0.1:8081")


@pytest.fixture
def url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture
def locks(url: str) -> Iterator[list[InstrumentLock]]:
    """Locks made by the test, released at its end."""
    made: list[InstrumentLock] = []
    yield made
    for lock in made:
        lock.release()


def lock_for(url: str, locks: list[InstrumentLock], identity: ServerIdentity) -> InstrumentLock:
    locks.append(InstrumentLock(url, "prep-sim-1", identity))
    return locks[-1]


def session(url: str, application_name: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, application_name=application_name, autocommit=True)


def cut_connection(url: str, application_name: str) -> None:
    """End the sessions named `application_name`, as a database restart does, and wait until
    they are gone."""
    with session(url, "admin") as admin:
        for _ in range(500):
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (application_name,),
            ).fetchall()
            if not ended:
                return
            time.sleep(0.02)
    raise AssertionError(f"the session {application_name!r} did not end")


def test_a_second_server_is_refused_naming_the_driver(
    url: str, locks: list[InstrumentLock]
) -> None:
    lock_for(url, locks, DRIVER).acquire(standby=False)

    with pytest.raises(StartupError) as refused:
        lock_for(url, locks, OTHER).acquire(standby=False)

    assert refused.value.detail == (
        "instrument prep-sim-1 on this database is driven by another mlprep server "
        "(pid 1234, http://127.0.0.1:8080); stop it, or start this one with --standby to take "
        "over when it stops"
    )


def test_another_instrument_is_driven_by_another_server(
    url: str, locks: list[InstrumentLock]
) -> None:
    lock_for(url, locks, DRIVER).acquire(standby=False)
    locks.append(InstrumentLock(url, "prep-sim-2", OTHER))

    locks[-1].acquire(standby=False)

    assert instrument_key("prep-sim-1") != instrument_key("prep-sim-2")


def test_a_holder_that_is_not_an_mlprep_server_is_described_by_its_session(
    url: str, locks: list[InstrumentLock]
) -> None:
    with session(url, "psql") as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (NAMESPACE, instrument_key("prep-sim-1")))
        backend = holder.info.backend_pid

        with pytest.raises(StartupError, match=rf"server \(PostgreSQL session {backend} from "):
            lock_for(url, locks, OTHER).acquire(standby=False)


def test_a_standby_takes_over_once_the_driver_lets_go(
    url: str, locks: list[InstrumentLock]
) -> None:
    driver = lock_for(url, locks, DRIVER)
    driver.acquire(standby=False)
    standby = lock_for(url, locks, OTHER)
    took_over = threading.Event()

    def stand_by() -> None:
        standby.acquire(standby=True)
        took_over.set()

    waiting = threading.Thread(target=stand_by, daemon=True)
    waiting.start()
    assert not took_over.wait(1.5)  # it waits while the driver holds the lock

    driver.release()

    assert took_over.wait(30)
    waiting.join()
    assert standby.check() is None


def test_a_lock_lost_with_its_connection_is_taken_again(
    url: str, locks: list[InstrumentLock]
) -> None:
    driver = lock_for(url, locks, DRIVER)
    driver.acquire(standby=False)
    cut_connection(url, "mlprep pid=1234 http://127.0.0.1:8080")
    assert driver.check() is None  # taken again at once: nobody else wanted it
    assert driver.other_driver is None
    with pytest.raises(StartupError):
        lock_for(url, locks, OTHER).acquire(standby=False)


def test_a_lock_another_took_meanwhile_is_reported_until_it_is_free(
    url: str, locks: list[InstrumentLock]
) -> None:
    driver = lock_for(url, locks, DRIVER)
    driver.acquire(standby=False)
    cut_connection(url, "mlprep pid=1234 http://127.0.0.1:8080")
    intruder = lock_for(url, locks, OTHER)
    intruder.acquire(standby=False)

    assert driver.check() == "pid 5678, http://127.0.0.1:8081"
    assert driver.other_driver == "pid 5678, http://127.0.0.1:8081"

    intruder.release()

    assert driver.check() is None
    assert driver.other_driver is None
