"""The `mlprep` command against a real server: every command, in human and in JSON mode, with
its output checked, and the exit codes scripts rely on (0 done, 1 run not completed, 2 usage,
3 authentication, 4 not found, 5 conflict, 6 unreachable).

Commands run in-process through typer's runner (an `mlprep` process per command would spend most
of the suite importing); `test_cli_process.py` runs real processes.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from mlprep.cli.main import app
from mlprep.client import PrepClient
from tests.e2e.server import ServerProcess
from tests.postgres import free_port
from tests.sessions import ADMIN_PASSWORD


class Cli:
    """`mlprep` with its own config directory, as one user at one terminal."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir

    def __call__(self, *args: str, stdin: str = "") -> Result:
        environment = {"MLPREP_CONFIG_DIR": str(self.config_dir), "COLUMNS": "200", "NO_COLOR": "1"}
        return CliRunner().invoke(app, list(args), input=stdin, env=environment)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        assert result.stderr == ""
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(self, code: int, *args: str) -> str:
        result = self(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.output
        return " ".join(result.stderr.split())


@pytest.fixture
def cli(tmp_path: Path, instrument: ServerProcess, prep: PrepClient) -> Cli:
    """Logged in as admin to the instrument (which `prep` has reset)."""
    cli = Cli(tmp_path / "config")
    output = cli.ok("login", instrument.base_url, "--user", "admin", "--password", ADMIN_PASSWORD)
    assert output.startswith(f"Logged in to {instrument.base_url} as admin (profile 'default')")
    return cli


def test_login_keeps_the_token_private_and_never_the_password(
    cli: Cli, instrument: ServerProcess
) -> None:
    profiles = cli.config_dir / "profiles.json"

    assert stat.S_IMODE(profiles.stat().st_mode) == 0o600
    assert ADMIN_PASSWORD not in profiles.read_text()
    listed = cli.json("profiles")
    assert listed == [
        {
            "name": "default",
            "url": instrument.base_url,
            "userName": "admin",
            "loggedIn": True,
            "accessKey": listed[0]["accessKey"],
            "tokenExpiresAt": listed[0]["tokenExpiresAt"],
        }
    ]
    assert re.fullmatch(r"…[A-Za-z0-9_-]{4}", listed[0]["accessKey"])
    assert f"default* │ {instrument.base_url} │ admin │ key {listed[0]['accessKey']}, valid " in (
        cli.ok("profiles")
    )


def test_profiles_name_servers_and_logout_forgets_the_token(
    cli: Cli, instrument: ServerProcess
) -> None:
    login = cli.json(
        "--profile",
        "lab",
        "login",
        instrument.base_url,
        "-u",
        "admin",
        "--password",
        ADMIN_PASSWORD,
    )
    assert login == {
        "profile": "lab",
        "url": instrument.base_url,
        "userName": "admin",
        "expiresIn": 5,
        "accessKey": login["accessKey"],
    }
    token = json.loads((cli.config_dir / "profiles.json").read_text())["profiles"]["lab"]["token"]

    assert cli.ok("logout", "--profile", "lab") == (  # the profile named after the command too
        f"Logged out of {instrument.base_url} (profile 'lab'); access key {login['accessKey']} "
        "revoked.\n"
    )
    with PrepClient(instrument.base_url, token=token) as revoked:
        assert revoked.check_authentication() is False
    assert "Not logged in (profile 'lab')" in cli.fails(3, "--profile", "lab", "status")
    assert cli.ok("status").startswith("PREP-SIM-0001 (simulated instrument)")  # default still in


def test_a_wrong_password_is_exit_3_with_the_problem(cli: Cli, instrument: ServerProcess) -> None:
    message = cli.fails(3, "login", instrument.base_url, "-u", "admin", "--password", "wrong!!!")
    assert message.startswith("error: Unauthorized:")


def test_a_lockout_is_exit_3_as_documented(
    cli: Cli, instrument: ServerProcess, prep: PrepClient
) -> None:
    prep.add_user("lena", "lenas password", "Operator")
    wrong = ("login", instrument.base_url, "-u", "lena", "--password", "not hers!")
    for _ in range(5):
        cli.fails(3, *wrong)

    message = cli.fails(
        3, "login", instrument.base_url, "-u", "lena", "--password", "lenas password"
    )

    assert message.startswith("error: Too Many Requests:")


def test_a_server_without_its_scheme_is_a_usage_error_naming_it(cli: Cli) -> None:
    message = cli.fails(2, "login", "localhost:8080", "-u", "admin", "--password", "x")
    elsewhere = cli.fails(2, "--url", "127.0.0.1:8080", "status")

    assert message == (
        "error: 'localhost:8080' is not a server URL: give it with http:// or https://, e.g. "
        "http://localhost:8080"
    )
    assert "e.g. http://127.0.0.1:8080" in elsewhere


def test_status_shows_what_is_due_and_the_run_in_progress(cli: Cli) -> None:
    human = cli.ok("status")
    status = cli.json("status")

    assert human.startswith("PREP-SIM-0001 (simulated instrument), server ")
    assert ": Healthy (database sqlite: ok)\n" in human
    assert "Due now (5):" in human and "  Daily Maintenance: never executed\n" in human
    assert "No run in progress." in human
    assert status["health"]["simulated"] is True
    assert [p["name"] for p in status["due"]] == [p["name"] for p in status["procedures"]]
    assert status["currentRun"] is None


def test_procedures_ls_and_show(cli: Cli) -> None:
    table = cli.ok("procedures", "ls")
    listed = cli.json("procedures", "ls")
    shown = cli.json("procedures", "show", "weekly")
    human = cli.ok("procedures", "show", "Weekly Maintenance")

    names = [row.split("│")[1].strip() for row in table.splitlines() if row.startswith("│")]
    assert sorted(names) == sorted(p["name"] for p in listed) and len(names) == 5
    assert "Expired" in table and "never" in table
    assert {p["status"] for p in listed} == {"Expired"}
    assert shown["name"] == "Weekly Maintenance" and shown["status"] == "Expired"
    assert human.startswith(f"Weekly Maintenance ({shown['id']})\n")
    assert "Last executed: never\nDue:           now\n" in human
    assert "no procedure with the id or name 'nope'" in cli.fails(4, "procedures", "show", "nope")


def test_procedures_run_unattended_completes_with_exit_0(cli: Cli, prep: PrepClient) -> None:
    output = cli.ok("procedures", "run", "Weekly Maintenance", "--input", "LOT-5")

    assert "Clean both tip adapters" in output and "Answered Ok." in output
    assert "Answered Ok with 'LOT-5'." in output
    outcome, entered = output.rstrip().splitlines()[-2:]
    assert re.fullmatch(r"Weekly Maintenance: Completed in \d+ s\.", outcome)  # instrument time
    assert entered == "  Cleaning agent lot number: LOT-5"
    assert prep.find_procedure("Weekly Maintenance").status.value == "Ok"


def test_procedures_run_json_reports_the_finished_run(cli: Cli) -> None:
    run = cli.json("procedures", "run", "daily", "--answer", "Yes")

    assert run["state"] == "Completed" and run["procedureName"] == "Daily Maintenance"
    assert [view["result"] for view in run["views"]] == ["Ok", "Ok", "Yes"]


def test_a_fault_retried_and_a_fault_aborted(cli: Cli, prep: PrepClient) -> None:
    prep.plan_fault("tip_check", "Front")
    retried = cli.ok("procedures", "run", "daily", "--answer", "Yes", "--on-error", "retry")
    assert "Maintenance error" in retried and "Answered retry (--on-error)." in retried
    assert "Daily Maintenance: Completed" in retried and "(recovery: Retry)" in retried

    prep.plan_fault("tip_check", "Front")
    result = cli("procedures", "run", "daily", "--answer", "Yes")  # unattended errors abort
    assert result.exit_code == 1, result.output
    assert "Daily Maintenance: Aborted" in result.stdout


def test_options_that_cannot_answer_a_view_are_refused_before_the_start(
    cli: Cli, prep: PrepClient
) -> None:
    no_text = cli.fails(2, "procedures", "run", "weekly")
    no_such_answer = cli.fails(2, "procedures", "run", "daily", "--answer", "Maybe")
    not_for_every_view = cli.fails(2, "procedures", "run", "daily", "--input", "x")

    assert no_text == (
        "error: The view 'Cleaning agent lot number' of Weekly Maintenance asks for text: give "
        "--input TEXT."
    )
    assert no_such_answer == (
        "error: No view of Daily Maintenance allows the answer 'Maybe'; its views allow: Ok, "
        "Cancel, Yes, No. (Error views are answered with --on-error.)"
    )
    assert "The view 'Deck wiped?' of Daily Maintenance needs --answer Yes or No" in (
        not_for_every_view
    )
    assert prep.runs().total == 0  # nothing was started


def test_a_second_run_is_a_conflict_and_abort_stops_the_first(cli: Cli, prep: PrepClient) -> None:
    prep.start_procedure(prep.find_procedure("daily").id)

    assert "'Daily Maintenance' is running" in cli.fails(
        5, "procedures", "run", "weekly", "--input", "x"
    )
    status = cli.ok("status")
    assert "Running: Daily Maintenance (WaitingForView, step 1/5: Clear the deck)" in status
    assert "Waiting for an answer to 'Clear the deck'." in status
    assert cli.ok("procedures", "abort") == (
        "Asked Daily Maintenance to abort; it stops at its next safe point.\n"
    )
    assert "nothing to abort" in cli.fails(5, "procedures", "abort")


def test_errors_counters_and_uv(cli: Cli, prep: PrepClient) -> None:
    prep.plan_fault("tip_check", "Rear", "Bent tip")
    cli("procedures", "run", "daily", "--answer", "Yes", "--on-error", "continue")

    errors = cli.json("errors")
    assert [(e["response"], e["message"], e["channel"]) for e in errors] == [
        ("Bent tip", "Continue", "Rear")
    ]
    assert "Bent tip" in cli.ok("errors")

    counters = cli.json("counters", "ls")
    assert [c["name"] for c in counters] == ["Front", "Rear"]
    assert counters[0]["tipPickUpCounter"] > 0 and counters[1]["tipPickUpCounter"] == 0
    assert "│ Front" in cli.ok("counters", "ls")
    reset = cli.json("counters", "reset", "Front", "--yes")
    assert reset[0]["tipPickUpCounter"] == 0
    assert cli.ok("counters", "reset", "rear", "--yes") == "Reset the counters of channel rear.\n"
    assert cli("counters", "reset", "Front", stdin="n\n").exit_code == 1  # asked, and declined
    assert "Middle" in cli.fails(4, "counters", "reset", "Middle", "--yes")

    assert [o["name"] for o in cli.json("uv", "options")] == [
        "Never",
        "EveryProtocolRun",
        "Daily",
        "Weekly",
    ]
    options = [line.split() for line in cli.ok("uv", "options").splitlines()]
    assert options[0] == ["Never", "never", "(it", "stays", "Ok)"]  # not "Never: Never"
    assert options[2] == ["Daily", "once", "a", "day", "(the", "setting", "now)"]
    assert cli.ok("uv", "set", "everyprotocolrun") == "The UV routine is now EveryProtocolRun.\n"
    assert cli.json("uv", "get") == {"interval": "EveryProtocolRun"}
    assert cli.ok("uv", "get") == "EveryProtocolRun\n"
    cli.fails(2, "uv", "set", "hourly")


def test_runs_ls_and_show(cli: Cli) -> None:
    done = cli.json("procedures", "run", "weekly", "--input", "LOT-8")

    page = cli.json("runs", "ls", "--limit", "5")
    assert page["items"][0]["id"] == done["id"] and page["total"] == 1
    listed = cli.ok("runs", "ls")
    assert "1 of 1 runs." in listed
    assert f"│ {done['id'][:8]} │ Weekly Maintenance │ Completed │" in listed  # fits 80 columns
    assert cli.json("runs", "show", done["id"][:5])["id"] == done["id"]  # any unique start
    shown = cli.json("runs", "show", done["id"])
    assert shown["inputs"] == {"Cleaning agent lot number": "LOT-8"}
    human = cli.ok("runs", "show", done["id"])
    assert "Weekly Maintenance: Completed" in human
    assert "Cleaning agent lot number: Ok 'LOT-8'" in human
    cli.fails(4, "runs", "show", "f" * 32)
    assert "no run whose id starts with 'zz'" in cli.fails(4, "runs", "show", "zz")


def test_events_tail_filtered_by_code(cli: Cli, prep: PrepClient) -> None:
    import threading

    timer = threading.Timer(1.0, lambda: prep.simulate_protocol_run(tips=3, transfers=3))
    timer.start()
    try:
        lines = cli.ok("events", "--code", "counters", "--count", "2", "--timeout", "20", "--json")
    finally:
        timer.join()

    events = [json.loads(line) for line in lines.splitlines()]
    assert [e["code"] for e in events] == ["counters", "counters"]
    assert {e["data"]["channel"] for e in events} == {"Front", "Rear"}
    timer = threading.Timer(1.0, lambda: prep.simulate_protocol_run(tips=1, transfers=1))
    timer.start()
    try:
        human = cli.ok("events", "-c", "counters", "--count", "1", "--timeout", "20")
    finally:
        timer.join()
    assert human.startswith("counters Counters of channel")


def test_users_over_the_server(cli: Cli) -> None:
    added = cli.json("users", "add", "erin", "--role", "service", "--password", "erins password")
    assert (added["userName"], added["role"]) == ("erin", "Service")
    assert cli.ok("users", "add", "finn", "--password", "finns password") == (
        "Added finn (Operator).\n"
    )
    assert [u["userName"] for u in cli.json("users", "ls")] == ["admin", "erin", "finn"]
    assert "│ erin " in cli.ok("users", "list")
    assert cli.json("users", "show", "erin")["role"] == "Service"
    assert cli.ok("users", "show", "erin").startswith("erin: Service, created ")
    assert cli.ok("users", "role", "erin", "Administrator") == "erin is now Administrator.\n"
    assert cli.json("users", "passwd", "erin", "--password", "new password")["userName"] == "erin"
    assert cli.ok("users", "unlock", "erin") == "Unlocked erin.\n"
    assert cli.ok("users", "remove", "erin") == "Removed erin.\n"
    assert cli.json("users", "remove", "finn") == {"removed": "finn"}
    assert "no user named 'erin'" in cli.fails(4, "users", "show", "erin")
    assert "last administrator" in cli.fails(5, "users", "remove", "admin")
    assert "at least 8 characters" in cli.fails(2, "users", "add", "gus", "--password", "short")


def test_sim_commands(cli: Cli, prep: PrepClient) -> None:
    assert cli.json("sim", "speed", "0")["speed"] == 0
    assert cli.ok("sim", "speed", "0") == "Speed 0.\n"
    before = cli.json("sim", "clock")["offsetSeconds"]
    after = cli.json("sim", "advance", "--days", "1")["offsetSeconds"]
    # In whole microseconds, the offset's resolution: as floats, 4029.999936 + 86400 is
    # 90429.99993600001, just over the 90429.999936 the server reports.
    assert round((after - before) * 1_000_000) >= 86_400 * 1_000_000
    assert cli.ok("sim", "advance", "--hours", "1").startswith("The instrument's clock is now ")
    assert "Say how far: --days, --hours" in cli.fails(2, "sim", "advance")
    assert cli.ok("sim", "clock").endswith(" s ahead)\n")
    planned = cli.json("sim", "fault", "leak_check", "--channel", "Rear", "--message", "Leak!")
    assert planned["plannedFaults"] == [
        {"operation": "leak_check", "channel": "Rear", "message": "Leak!"}
    ]
    assert cli.ok("sim", "fault") == "Fault rate 0; planned: leak_check on Rear.\n"
    assert cli.json("sim", "fault", "--rate", "0.25", "--seed", "3")["faultRate"] == 0.25
    assert cli.ok("sim", "fault", "--clear") == "Fault rate 0; planned: none.\n"
    run = cli.json("sim", "protocol-run", "--tips", "2", "--transfers", "4")
    assert run["endedAt"] > run["startedAt"]
    assert cli.ok("sim", "protocol-run").startswith("Protocol run ")
    counters = cli.json("sim", "counters", "Front", "--tip-pick-up", "7", "--aspirate", "9")
    assert (counters["tipPickUpCounter"], counters["aspirateCounter"]) == (7, 9)
    assert cli.ok("sim", "counters", "Rear", "--dispense", "3").startswith("Rear: ")
    assert cli.json("sim", "hepa", "175") == {"pressureDropPa": 175}
    assert cli.ok("sim", "hepa", "120") == "The HEPA filter check will read 120 Pa.\n"
    assert cli.json("sim", "reset", "--yes")["hepaPressureDropPa"] == 120
    assert "factory state" in cli.ok("sim", "reset", "--yes")
    assert prep.runs().total == 0


def test_an_operator_is_refused_the_simulator_with_exit_3(
    cli: Cli, prep: PrepClient, instrument: ServerProcess
) -> None:
    prep.add_user("olga", "olgas password", "Operator")
    cli.ok(
        "--profile",
        "olga",
        "login",
        instrument.base_url,
        "-u",
        "olga",
        "--password",
        "olgas password",
    )

    message = cli.fails(3, "--profile", "olga", "sim", "clock")

    assert message.startswith("error: Forbidden:") and "ControlSimulator" in message


def test_an_unreachable_server_is_exit_6(cli: Cli) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    message = cli.fails(6, "--url", nowhere, "login", "-u", "admin", "--password", "x" * 8)

    assert nowhere in message


def test_usage_mistakes_are_exit_2(cli: Cli) -> None:
    assert cli("procedures", "frobnicate").exit_code == 2
    assert "--on-error must be retry, continue or abort" in cli.fails(
        2, "procedures", "run", "daily", "--on-error", "shrug"
    )
