"""`mlprep procedures run` at a real terminal (pexpect, TERM=xterm, 100 columns) against a real
server, as an operator meets it: an action that fails is shown failed (never at 100 %) and its
question is asked with no bar over it; an empty input is asked again; Ctrl-C asks whether to
abort the run or leave it waiting, and says what it did (a run left waiting is taken up again
with `mlprep runs follow`); unattended answers that no view allows are refused before anything
starts; answers that go round in circles are stopped."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from mlprep.client import PrepClient
from mlprep.contract.runs import RunState
from tests.e2e.server import MLPREP, ServerProcess, cli_environment, serving
from tests.sessions import ADMIN_PASSWORD

TIMEOUT = 90  # generous: a loaded machine is slow to start a process
# What a terminal draws between the letters a person reads: styles (bold stays with NO_COLOR),
# cursor moves of the live bars; and where the text wraps, a line break.
STYLE = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
GAP = r"(?:\s|\x1b\[[0-9;?]*[A-Za-z])+"


class Transcript(io.StringIO):
    """Everything the terminal showed, also echoed to stdout (which pytest shows on failure)."""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        return super().write(text)


@pytest.fixture(scope="module")
def instrument(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server at speed 10: a 45 s leak check runs 4.5 s, long enough for its bar to show."""
    data_dir = tmp_path_factory.mktemp("run-terminal") / "data"
    with serving(data_dir, "--speed", "10", admin_password=ADMIN_PASSWORD) as server:
        yield server


@pytest.fixture
def config_dir(tmp_path: Path, instrument: ServerProcess, prep: PrepClient) -> Path:
    """A profile logged in as admin (on the instrument `prep` has reset)."""
    config_dir = tmp_path / "config"
    child = terminal(config_dir, "login", instrument.base_url, "--user", "admin")
    child.expect("Password: ")
    child.sendline(ADMIN_PASSWORD)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return config_dir


def terminal(config_dir: Path, *args: str) -> pexpect.spawn:
    """`mlprep <args>` in a pseudo-terminal 100 columns wide that can move its cursor (so rich
    draws live progress bars, as in a person's terminal), without colours."""
    environment = cli_environment(
        {"MLPREP_CONFIG_DIR": str(config_dir), "COLUMNS": "100", "TERM": "xterm"}
    )
    child = pexpect.spawn(
        str(MLPREP), list(args), env=environment, encoding="utf-8", timeout=TIMEOUT
    )
    child.setwinsize(40, 100)
    child.logfile_read = Transcript()
    return child


def looks(text: str) -> str:
    """A pattern for `text` as it appears on the terminal, whatever styles and wraps it has."""
    return GAP.join(STYLE.join(re.escape(c) for c in word) for word in text.split())


def see(child: pexpect.spawn, text: str) -> None:
    """Wait until the terminal shows `text`."""
    child.expect(looks(text))


def plain(text: str) -> str:
    """The terminal's text without its styles and cursor moves, each run of spaces one."""
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).split())


def shown(child: pexpect.spawn) -> str:
    transcript = child.logfile_read
    assert isinstance(transcript, Transcript)
    return transcript.getvalue()


def ended(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, child.signalstatus
    return int(child.exitstatus)


def test_a_failed_action_is_shown_failed_and_its_question_is_asked_in_the_clear(
    config_dir: Path, prep: PrepClient
) -> None:
    prep.plan_fault("leak_check", "Front", "Pressure did not hold")

    child = terminal(config_dir, "procedures", "run", "weekly")
    see(child, "Answer [Ok/Cancel] (Ok):")
    child.sendline("")
    child.expect(looks("Step 2/4: Leak check (pressure hold), Front") + r".*\d+%")  # its bar
    see(child, "✗ Step 2/4: Leak check (pressure hold), Front failed: Pressure did not hold")
    see(child, "Retry, continue or abort? [retry/continue/abort] (retry):")
    before_the_answer = shown(child)
    child.sendline("retry")
    see(child, "✓ Step 2/4: Leak check (pressure hold), Front")  # retried, and passed
    see(child, "✓ Step 3/4: Leak check (pressure hold), Rear")
    see(child, "Cleaning agent lot number:")
    child.sendline("LOT-9")
    see(child, "Weekly Maintenance: Completed")
    see(child, "Error at step 2: Pressure did not hold (recovery: Retry)")

    assert ended(child) == 0
    assert "100%" not in shown(child)  # no step ever looked passed before it had
    # Nothing was drawn after the question: no bar stayed live under the prompt.
    assert plain(before_the_answer).endswith("[retry/continue/abort] (retry):")


def test_an_empty_input_is_asked_again_and_the_run_goes_on(
    config_dir: Path, prep: PrepClient
) -> None:
    child = terminal(config_dir, "procedures", "run", "weekly")
    see(child, "Answer [Ok/Cancel] (Ok):")
    child.sendline("")
    see(child, "Cleaning agent lot number:")
    child.sendline("")  # a slip of the Enter key
    see(child, "'Cleaning agent lot number' needs an answer; type it, or press Ctrl-C to stop")
    see(child, "Cleaning agent lot number:")
    child.sendline("  ")
    see(child, "needs an answer")
    see(child, "Cleaning agent lot number:")
    child.sendline("LOT-10")
    see(child, "Weekly Maintenance: Completed")

    assert ended(child) == 0
    latest = prep.run(prep.runs().items[0].id)
    assert latest.state is RunState.COMPLETED
    assert latest.inputs == {"Cleaning agent lot number": "LOT-10"}


def test_ctrl_c_at_a_question_can_leave_the_run_waiting(config_dir: Path, prep: PrepClient) -> None:
    child = terminal(config_dir, "procedures", "run", "daily")
    for _ in range(2):
        see(child, "Answer [Ok/Cancel] (Ok):")
        child.sendline("")
    see(child, "Deck wiped?")
    see(child, "Answer [Yes/No] (Yes):")
    child.sendintr()
    see(child, "Stopped following Daily Maintenance (waiting for an answer to 'Deck wiped?').")
    see(child, "Abort the run on the instrument, or leave it waiting? [abort/leave] (abort):")
    child.sendline("leave")
    child.expect(looks("Left Daily Maintenance (run") + GAP + "[0-9a-f]{8}")
    see(child, ") waiting for an answer to 'Deck wiped?' on the instrument.")
    see(child, "Go on with it here (`mlprep runs follow`) or in the web console")
    see(child, "or end it with `mlprep procedures abort`.")

    assert ended(child) == 130
    current = prep.current_run()
    assert current is not None and current.state is RunState.WAITING_FOR_VIEW
    assert current.open_view is not None and current.open_view.title == "Deck wiped?"

    again = terminal(config_dir, "runs", "follow")  # later, at the same or another terminal
    see(again, "Deck wiped?")
    see(again, "Answer [Yes/No] (Yes):")
    again.sendline("yes")
    see(again, "Daily Maintenance: Completed")
    assert ended(again) == 0
    assert "Step 3/5" not in plain(shown(again))  # what happened before is not told again
    assert prep.runs().items[0].state is RunState.COMPLETED


def test_ctrl_c_during_an_action_can_abort_the_run(config_dir: Path, prep: PrepClient) -> None:
    child = terminal(config_dir, "procedures", "run", "daily")
    for _ in range(2):
        see(child, "Answer [Ok/Cancel] (Ok):")
        child.sendline("")
    child.expect(looks("Step 3/5: Tip pick-up and eject check, Front") + r".*\d+%")
    child.sendintr()
    see(child, "Stopped following Daily Maintenance (at step 3/5, Tip pick-up and eject check")
    see(child, "leave it waiting? [abort/leave] (abort):")
    child.sendline("")  # the default
    see(child, "Aborting Daily Maintenance: The run ended Aborted.")

    assert ended(child) == 130
    assert prep.current_run() is None
    assert prep.runs().items[0].state is RunState.ABORTED


def test_an_answer_that_no_view_allows_is_refused_before_the_start(
    config_dir: Path, prep: PrepClient
) -> None:
    child = terminal(config_dir, "procedures", "run", "daily", "--answer", "Maybe")

    see(child, "error: No view of Daily Maintenance allows the answer 'Maybe'; its views allow:")
    see(child, "Ok, Cancel, Yes, No. (Error views are answered with --on-error.)")
    assert ended(child) == 2
    assert prep.runs().total == 0  # nothing ran


def test_answers_that_go_round_in_circles_are_stopped_with_a_message(
    config_dir: Path, prep: PrepClient
) -> None:
    child = terminal(config_dir, "procedures", "run", "daily", "--answer", "No")
    see(child, "Answered No: 'Deck wiped?' is asked again until it is answered Yes.")
    see(
        child,
        "error: 'Deck wiped?' was answered No 3 times in a row and came back again: the "
        "unattended answers make this run go round in circles, so it was aborted (no one would "
        "come to answer it). Run it at a terminal, or give other answers. (The run ended "
        "Aborted.)",
    )

    assert ended(child) == 7
    assert plain(shown(child)).count("Answered No.") == 3
    run = prep.run(prep.runs().items[0].id)
    assert run.state is RunState.ABORTED
    answers = [view.result.value if view.result else None for view in run.views]
    assert answers[-4:] == ["No", "No", "No", None]  # the fourth closed by the abort
