"""One server per database: the lock a server takes before it changes anything.

A SQLite database is written by one process: the server holds an OS lock (`flock`) on a file
beside it, `<data dir>/server.lock` for the default database; the kernel frees it when the
holder dies, however it dies. On PostgreSQL each instrument is driven by one process, which
holds a session-level advisory lock for it (store/instrument_lock.py). The lock file and the
lock connection say who holds them, so that a refused server names the one it would fight.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine.url import make_url

from mlprep.errors import StartupError

LOCK_FILE = "server.lock"
DEFAULT_DATABASE = "mlprep.db"


@dataclass(frozen=True)
class ServerIdentity:
    """Who a server is, as the lock it holds tells another: its process id and address."""

    pid: int
    address: str

    def describe(self) -> str:
        """`pid 1234, http://127.0.0.1:8080`."""
        return f"pid {self.pid}, {self.address}"

    @classmethod
    def of_this_process(cls, host: str, port: int) -> ServerIdentity:
        """This process, serving at `host:port`."""
        shown = f"[{host}]" if ":" in host else host
        return cls(os.getpid(), f"http://{shown}:{port}")


class ServerLock(Protocol):
    """What a server holds for as long as it drives its instrument."""

    @property
    def other_driver(self) -> str | None:
        """Who drives the instrument instead of this server (it took the lock while this one had
        lost it), else None; as of the latest `check`."""
        ...

    @property
    def can_be_lost(self) -> bool:
        """Whether the lock can be lost while the server lives (then `check` it now and then)."""
        ...

    def check(self) -> str | None:
        """Take the lock again if it was lost; `other_driver` after that (blocks: a thread)."""
        ...

    def release(self) -> None:
        """Let go of the lock (at the end of the server's life)."""
        ...


class NoLock:
    """No lock is needed (an in-memory database) or none is known (another database)."""

    other_driver: str | None = None
    can_be_lost = False

    def check(self) -> str | None:
        return None

    def release(self) -> None:
        pass


class FileLock:
    """An exclusive `flock` on a file, holding the holder's identity; the kernel frees it when
    the holder's process ends."""

    other_driver: str | None = None
    can_be_lost = False

    def __init__(self, path: Path, what: str, instead: str) -> None:
        self.path = path
        self._what = what  # "the data directory /x": what the lock protects, as users name it
        self._instead = instead  # "use another --data-dir"
        self._descriptor: int | None = None

    def acquire(self, identity: ServerIdentity) -> None:
        """Take the lock and write who holds it.

        Raises:
            StartupError: another live server holds it (named in the message).
            OSError: the file cannot be made or written (errno ENOSPC: the disk is full).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(descriptor)
            os.close(descriptor)
            raise StartupError(
                f"{self._what} is in use by another mlprep server ({holder}); stop it, or "
                f"{self._instead}"
            ) from None
        except BaseException:
            os.close(descriptor)
            raise
        try:
            # Written only once the lock is ours: a refused server must not erase the holder's.
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{identity.pid}\n{identity.address}\n".encode(), 0)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor

    def check(self) -> str | None:
        return None

    def release(self) -> None:
        # The file stays: removing it would let a server that opened it just before lock a
        # file nobody else sees.
        if self._descriptor is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._descriptor, 0)
            os.close(self._descriptor)
            self._descriptor = None


def _read_holder(descriptor: int) -> str:
    """The holder's identity as its lock file says it."""
    try:
        lines = os.pread(descriptor, 4096, 0).decode(errors="replace").split()
    except OSError:
        lines = []
    if len(lines) >= 2 and lines[0].isdigit():
        return ServerIdentity(int(lines[0]), lines[1]).describe()
    return "still starting, or one that does not say who it is"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL (None for another database, or one in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def sqlite_lock(database_url: str, data_dir: Path) -> FileLock | None:
    """The lock for a SQLite database file (None for any other database, or one in memory):
    the data directory's for the default database, else one beside the file."""
    database = sqlite_path(database_url)
    if database is None:
        return None
    if database.absolute() == (data_dir / DEFAULT_DATABASE).absolute():
        return FileLock(
            data_dir / LOCK_FILE, f"the data directory {data_dir}", "use another --data-dir"
        )
    return FileLock(
        database.with_name(f"{database.name}.lock"),
        f"the database {database}",
        "use another --database-url",
    )
