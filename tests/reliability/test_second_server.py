"""Two servers on one SQLite data directory: the second is refused before it changes anything.

It names the server that holds the directory (pid and address) and exits with the conflict
status; the first server's run in progress is untouched and is answered afterwards as if
nothing had happened. The lock is the kernel's: once the first server dies (kill -9), the next
start takes it, recovers the run the first left unfinished, and serves.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ServerFactory
from tests.e2e.server import ServerProcess
from tests.reliability.crash_points import Driver
from tests.reliability.starts import refused_start

CONFLICT = 5  # the command line's exit status for a conflict (README: "The command line")


def first_view_open(server: ServerProcess) -> dict[str, str]:
    """Daily Maintenance started on `server`, its first view open; that view."""
    with server.client() as http:
        driver = Driver(http)
        driver.start("Daily Maintenance")
        return driver.view("Clear the deck")


def test_a_second_server_on_the_data_directory_is_refused_and_the_first_runs_on(
    server_factory: ServerFactory,
) -> None:
    first = server_factory(args=["--speed", "0"]).start()
    view = first_view_open(first)

    second = server_factory(data_dir=first.data_dir, args=["--speed", "0"])
    code, printed = refused_start(second)

    assert code == CONFLICT, printed
    assert (
        f"error: the data directory {first.data_dir} is in use by another mlprep server "
        f"(pid {first.pid}, {first.base_url}); stop it, or use another --data-dir"
    ) in printed
    assert "serving" not in printed
    # The first server's run is where it was: not Interrupted, its view open and answerable.
    with first.client() as http:
        driver = Driver(http)
        current = driver.call("GET", "/mlprep/v1/runs/current").json()
        assert (current["state"], current["openView"]) == ("WaitingForView", view)
        driver.answer("Clear the deck", "Ok")
        assert driver.view("Empty the tip waste")["runId"] == view["runId"]
        runs = driver.call("GET", "/mlprep/v1/runs").json()["items"]
        assert [run["state"] for run in runs] == ["WaitingForView"]
    assert first.stop() == 0, first.log()


def test_once_the_first_server_is_killed_the_next_start_takes_the_data_directory(
    server_factory: ServerFactory,
) -> None:
    first = server_factory(args=["--speed", "0"]).start()
    view = first_view_open(first)
    second = server_factory(data_dir=first.data_dir, args=["--speed", "0"])
    assert refused_start(second)[0] == CONFLICT

    assert first.kill() != 0  # the kernel frees the lock of a process that dies
    second.start()

    with second.client() as http:
        driver = Driver(http)
        run = driver.call("GET", f"/mlprep/v1/runs/{view['runId']}").json()
        assert (run["state"], run["openView"]) == ("Interrupted", None)
        driver.start("Daily Maintenance")
        assert driver.view("Clear the deck")["runId"] != view["runId"]
    refused = server_factory(data_dir=first.data_dir, args=["--speed", "0"])
    code, printed = refused_start(refused)
    assert code == CONFLICT
    assert f"(pid {second.pid}, {second.base_url})" in printed
    assert second.stop() == 0, second.log()


def test_a_sqlite_file_named_by_url_is_locked_beside_it(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    database = tmp_path / "shared" / "prep.db"
    args = ["--speed", "0", "--database-url", f"sqlite:///{database}"]
    first = server_factory(args=args).start()
    view = first_view_open(first)

    # Another data directory, the same database file.
    code, printed = refused_start(server_factory(args=args))

    assert code == CONFLICT, printed
    assert (
        f"error: the database {database} is in use by another mlprep server "
        f"(pid {first.pid}, {first.base_url}); stop it, or use another --database-url"
    ) in printed
    with first.client() as http:
        current = Driver(http).call("GET", "/mlprep/v1/runs/current").json()
        assert current["openView"] == view
    assert first.stop() == 0, first.log()
