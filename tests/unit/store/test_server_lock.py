"""The OS lock beside a SQLite database: one holder at a time, named to whoever is refused."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from mlprep.errors import StartupError
from mlprep.store.server_lock import FileLock, ServerIdentity, sqlite_lock

HOLDER = ServerIdentity(1234, "http://127.0.0.1:8080")
OTHER = ServerIdentity(5678, "http://127.0.0.1:8081")


def data_directory_lock(data_dir: Path) -> FileLock:
    lock = sqlite_lock(f"sqlite:///{data_dir / 'mlprep.db'}", data_dir)
    assert lock is not None
    return lock


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    first = data_directory_lock(tmp_path / "data")
    first.acquire(HOLDER)
    try:
        # flock locks belong to an open file: a second opening is refused within one process too.
        with pytest.raises(StartupError) as refused:
            data_directory_lock(tmp_path / "data").acquire(OTHER)
    finally:
        first.release()

    assert refused.value.detail == (
        f"the data directory {tmp_path / 'data'} is in use by another mlprep server "
        "(pid 1234, http://127.0.0.1:8080); stop it, or use another --data-dir"
    )


def test_the_lock_is_free_again_once_released(tmp_path: Path) -> None:
    first = data_directory_lock(tmp_path)
    first.acquire(HOLDER)
    first.release()

    second = data_directory_lock(tmp_path)
    second.acquire(OTHER)
    try:
        assert (tmp_path / "server.lock").read_text() == "5678\nhttp://127.0.0.1:8081\n"
        assert os.stat(tmp_path / "server.lock").st_mode & 0o777 == 0o600
    finally:
        second.release()


def test_a_holder_that_has_not_said_who_it_is_yet_is_described_so(tmp_path: Path) -> None:
    holder = os.open(tmp_path / "server.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(StartupError, match=r"server \(still starting, or one that does not"):
            data_directory_lock(tmp_path).acquire(OTHER)
    finally:
        os.close(holder)


def test_a_refused_server_leaves_the_holders_name_in_place(tmp_path: Path) -> None:
    first = data_directory_lock(tmp_path)
    first.acquire(HOLDER)
    try:
        for _ in range(2):
            with pytest.raises(StartupError, match=r"\(pid 1234, http://127.0.0.1:8080\)"):
                data_directory_lock(tmp_path).acquire(OTHER)
    finally:
        first.release()


def test_each_sqlite_database_has_its_lock(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    elsewhere = sqlite_lock(f"sqlite:///{tmp_path / 'other' / 'prep.db'}", data_dir)

    assert data_directory_lock(data_dir).path == data_dir / "server.lock"
    assert elsewhere is not None and elsewhere.path == tmp_path / "other" / "prep.db.lock"
    assert sqlite_lock("sqlite://", data_dir) is None
    assert sqlite_lock("sqlite:///:memory:", data_dir) is None
    assert sqlite_lock("postgresql://user@host/db", data_dir) is None
