"""The first start's files (the signing secret, the initial admin password) are whole or absent.

A secret that is empty or damaged (as a first start that failed part-way used to leave it) is
refused at start, naming the file and what to do, with the database left as it was. On a data
directory that is full, whatever the point the disk fills at, a first start says that the data
directory is full (never a traceback) and leaves no empty or partial file behind; once space is
freed, the next start works and the admin's password logs in.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.server import ServerProcess
from tests.reliability.crash_points import Driver
from tests.reliability.small_disk import mounted_tmpfs
from tests.reliability.starts import refused_start
from tests.sessions import bearer, log_in

PAGE = 4096  # tmpfs counts its size in pages
DISK_SIZE = "2m"
# Pages left free when the first start begins, each filling the disk at another point (on this
# machine; any point will do): none (the lock file's own), one (the secret), two (the database),
# 40 (its schema), 54 (the user `admin`), 58 (the catalogue), 62 (the instrument's settings).
# A first start needs about 70.
FREE_PAGES = [0, 1, 2, 40, 54, 58, 62]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, mounted for the test (as root) and unmounted after it."""
    with mounted_tmpfs(tmp_path / "disk", DISK_SIZE) as mount:
        yield mount


def fill(disk: Path, free_pages: int) -> Path:
    """Fill `disk` up but for `free_pages` pages; the folder of filler files."""
    filler = disk / "filler"
    filler.mkdir()
    count = 0
    while True:
        try:
            (filler / str(count)).write_bytes(b"\0" * PAGE)
        except OSError as error:
            assert error.errno == errno.ENOSPC
            break
        count += 1
    (filler / str(count)).unlink(missing_ok=True)
    for page in range(free_pages):
        (filler / str(page)).unlink()
    return filler


def assert_whole_or_absent(data_dir: Path) -> None:
    """No first-start file is empty or partial, and no temporary one is left."""
    secret = data_dir / "signing-secret"
    if secret.exists():
        assert len(bytes.fromhex(secret.read_text().strip())) == 32
    password = data_dir / "initial-admin-password"
    if password.exists():
        assert len(password.read_text().strip()) >= 12
    assert [path.name for path in data_dir.glob(".*.tmp")] == []


@pytest.mark.parametrize("content", ["", "\n", "not a secret\n", "abcd\n"])
def test_an_empty_or_damaged_signing_secret_is_refused_at_start(
    server_factory: ServerFactory, content: str
) -> None:
    server = server_factory().start()
    assert server.stop() == 0
    secret = server.data_dir / "signing-secret"
    secret.write_text(content)
    database = hashlib.sha256((server.data_dir / "mlprep.db").read_bytes()).hexdigest()

    code, printed = refused_start(server)

    assert code == 1, printed
    what = "is empty" if not content.strip() else "is damaged (not 64 hexadecimal digits)"
    assert (
        f"error: the signing secret {secret} {what}; delete it and start again to make a new "
        "one (everyone signed in will have to log in again)"
    ) in printed
    assert "Traceback" not in printed
    assert hashlib.sha256((server.data_dir / "mlprep.db").read_bytes()).hexdigest() == database
    # As the message says: without it, the next start makes a new one, and logins work.
    secret.unlink()
    server.start()
    with server.client() as http:
        assert Driver(http).call("GET", "/api/v1/maintenance").json()
    assert_whole_or_absent(server.data_dir)
    assert server.stop() == 0, server.log()


@pytest.fixture
def server_on(tmp_path: Path, tiny_disk: Path) -> Iterator[Callable[[Path], ServerProcess]]:
    """Makes a server on a data directory, logging outside it (the disk it is on fills up);
    killed at the end if still running, before the disk is unmounted."""
    made: list[ServerProcess] = []

    def make(data_dir: Path) -> ServerProcess:
        made.append(ServerProcess(data_dir, log_path=tmp_path / f"server-{len(made)}.log"))
        return made[-1]

    yield make
    for server in made:
        if server.running:
            server.kill()


@pytest.mark.parametrize("free_pages", FREE_PAGES)
def test_a_first_start_on_a_full_data_directory_says_so_and_the_next_one_works(
    tiny_disk: Path, server_on: Callable[[Path], ServerProcess], free_pages: int
) -> None:
    data_dir = tiny_disk / "data"
    filler = fill(tiny_disk, free_pages)
    server = server_on(data_dir)  # no admin password: the first start writes one to a file

    code, printed = refused_start(server)

    assert code == 1, printed
    assert (
        f"error: the data directory {data_dir} is full (no space left on device); free some "
        "space and start again"
    ) in printed
    assert "Traceback" not in printed
    assert_whole_or_absent(data_dir)

    shutil.rmtree(filler)
    server.start()
    password = (data_dir / "initial-admin-password").read_text().strip()
    with server.client() as http:
        headers = bearer(log_in(http, "admin", password))
        # The first start was done whole: the catalogue is there.
        procedures = http.get("/api/v1/maintenance", headers=headers)
        assert procedures.status_code == 200
        assert len(procedures.json()) == 5
    assert_whole_or_absent(data_dir)
    assert server.stop() == 0, server.log()
