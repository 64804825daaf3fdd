"""Every screen of the console at 1280×800 and at 390×844, each checked for what it must show and
photographed (`test-artifacts/console/<screen>-<size>.png`; `MLPREP_SCREENSHOTS=docs/console`
refreshes the README's). A screenshot is looked at by a person: a style can hide what a locator
finds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mlprep.client import Answer, PrepClient
from tests.console.conftest import Console, OpenConsole
from tests.e2e.server import ServerProcess


@pytest.fixture(params=["desktop", "phone"])
def screen(request: pytest.FixtureRequest, open_console: OpenConsole) -> Console:
    """A console at one of the two sizes, on the sign-in screen."""
    return open_console(request.param).open()


def signed_in(screen: Console) -> Console:
    screen.sign_in()
    expect(screen.page.locator("[data-procedure]")).to_have_count(5)
    expect(screen.page.locator("#live")).to_have_text("Live")
    return screen


def answer_everything(prompt: object) -> Answer:
    view = prompt.view  # type: ignore[attr-defined]
    if view.input_required:
        return Answer("Ok", "LOT-2026-11")
    return Answer("Yes" if "Yes" in [r.value for r in view.results] else "Ok")


def wait_for_the_end(prep: PrepClient) -> None:
    """Until the run that was asked to abort has ended (without asking again)."""
    deadline = time.monotonic() + 15
    while prep.current_run() is not None:
        assert time.monotonic() < deadline, "the run does not end"
        time.sleep(0.05)


def test_sign_in(screen: Console) -> None:
    expect(screen.page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(screen.page.get_by_role("button", name="Sign out")).to_be_hidden()
    screen.screenshot("sign-in")


def test_procedures(screen: Console, prep: PrepClient) -> None:
    prep.run_procedure("Daily Maintenance", answer_everything)
    page = signed_in(screen).page
    expect(page.locator("[data-procedure='Daily Maintenance'] .badge")).to_have_text("Ok")
    screen.screenshot("procedures", full_page=True)


def test_run_view_action_and_input(screen: Console) -> None:
    page = signed_in(screen).page
    page.get_by_role("button", name="Run Weekly Maintenance").click()
    dialog = page.locator("#view-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Clean both tip adapters")
    expect(dialog.locator("img")).to_have_js_property("complete", True)
    screen.screenshot("run-view")

    dialog.get_by_role("button", name="Ok").click()
    expect(page.locator("#action-left")).to_contain_text(re.compile("left"))
    screen.screenshot("run-action")

    expect(dialog.get_by_role("heading")).to_have_text("Cleaning agent lot number", timeout=15000)
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog.locator("#view-error")).to_have_text("Enter the cleaning agent lot number first.")
    screen.screenshot("run-input")
    dialog.get_by_label("Cleaning agent lot number").fill("LOT-2026-11")
    dialog.get_by_role("button", name="Ok").click()
    expect(page.locator("#run-outcome")).to_contain_text("Weekly Maintenance ended Completed")


def test_run_error_and_outcome(screen: Console, prep: PrepClient) -> None:
    prep.plan_fault("tip_check", "Rear", "No tip detected")
    page = signed_in(screen).page
    page.get_by_role("button", name="Run Daily Maintenance").click()
    dialog = page.locator("#view-dialog")
    for title in ("Clear the deck", "Empty the tip waste"):
        expect(dialog.get_by_role("heading")).to_have_text(title)
        dialog.get_by_role("button", name="Ok").click()
    expect(dialog.get_by_role("heading")).to_have_text("Maintenance error", timeout=15000)
    expect(dialog.locator("#view-message")).to_have_text(
        "Tip pick-up and eject check, Rear failed: No tip detected."
    )
    expect(dialog).to_contain_text("Retry repeats the failed action")
    expect(page.locator("#run-state")).to_have_text("Stopped at an error")
    screen.screenshot("run-error")

    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.get_by_role("heading")).to_have_text("Deck wiped?", timeout=15000)
    dialog.get_by_role("button", name="Yes").click()
    expect(page.locator("#run-outcome")).to_contain_text(
        "1 error: Tip pick-up and eject check, Rear: No tip detected (skipped)."
    )
    screen.screenshot("run-outcome")


def test_run_waiting_elsewhere(
    screen: Console, prep: PrepClient, instrument: ServerProcess
) -> None:
    page = signed_in(screen).page
    prep.add_user("tess", "tess password", "Operator")
    with PrepClient(instrument.base_url, user_name="tess", password="tess password") as tess:
        tess.start_procedure(tess.find_procedure("Daily Maintenance").id)
        screen.tab("Counters")
        expect(page.locator("#waiting")).to_contain_text("(started by tess) is waiting")
        screen.screenshot("run-waiting")
        screen.tab("Run")
        expect(page.locator("#run-name")).to_have_text("Daily Maintenance")
        screen.screenshot("run-watching")
        tess.abort()


def test_history(screen: Console, prep: PrepClient, instrument: ServerProcess) -> None:
    prep.run_procedure("Daily Maintenance", answer_everything)
    prep.start_procedure(prep.find_procedure("Weekly Maintenance").id)
    prep.abort()
    wait_for_the_end(prep)
    prep.start_procedure(prep.find_procedure("Channel Calibration Check").id)
    port = instrument.port
    assert instrument.stop() == 0  # the check, waiting at its first view, is Interrupted
    instrument.start(port=port)
    page = signed_in(screen).page
    screen.tab("History")
    expect(page.locator("#history-legend")).to_contain_text("Interrupted")
    page.locator("[data-run] summary", has_text="Daily Maintenance").click()
    expect(page.locator("#history-list")).to_contain_text("Deck wiped? Yes")
    screen.screenshot("history", full_page=True)


def test_counters(screen: Console, prep: PrepClient) -> None:
    prep.simulate_protocol_run(tips=24, transfers=72)
    prep.run_procedure("Daily Maintenance", answer_everything)
    prep.reset_channel_counters("Rear")
    prep.simulate_protocol_run(tips=8, transfers=24)
    page = signed_in(screen).page
    screen.tab("Counters")
    expect(page.locator("#usage-chart svg")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Lifetime").first).to_be_visible()
    screen.screenshot("counters", full_page=True)


def test_uv_routine(screen: Console) -> None:
    page = signed_in(screen).page
    screen.tab("UV routine")
    expect(page.get_by_label("Run UV decontamination")).to_have_value("Weekly")
    page.get_by_label("Run UV decontamination").select_option("EveryProtocolRun")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#uv-message")).to_have_text("Saved: After every protocol run.")
    expect(page.locator("#uv-due")).to_have_text(
        "UV Decontamination — due: at the end of the next protocol run · last executed: never"
    )
    screen.screenshot("uv-routine")


def test_simulator(screen: Console) -> None:
    page = signed_in(screen).page
    screen.tab("Simulator")
    page.get_by_label("Operation that fails next").select_option("leak_check")
    page.get_by_role("button", name="Plan fault").click()
    expect(page.locator("#fault-message")).to_have_text("Fault planned.")
    expect(page.locator("#faults")).to_contain_text("Planned: Leak check (any channel).")
    screen.screenshot("simulator", full_page=True)


def test_users(screen: Console, prep: PrepClient) -> None:
    prep.add_user("tess", "tess password", "Operator")
    prep.add_user("sam", "sams password", "Service")
    page = signed_in(screen).page
    screen.tab("Users")
    expect(page.locator("[data-user]")).to_have_count(3)
    screen.screenshot("users", full_page=True)


def test_audit(screen: Console, prep: PrepClient) -> None:
    prep.reset_channel_counters("Front")
    page = signed_in(screen).page
    screen.tab("Audit")
    expect(page.locator("#audit-rows tr").first).to_contain_text("login")
    screen.screenshot("audit")


def test_the_readme_shows_every_screenshot_and_only_those() -> None:
    root = Path(__file__).resolve().parents[2]
    linked = set(re.findall(r"\(docs/console/([a-z-]+\.png)\)", (root / "README.md").read_text()))
    kept = {path.name for path in (root / "docs/console").glob("*.png")}
    assert linked == kept
