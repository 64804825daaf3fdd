"""A run seen from several consoles: the one that started it (or whose operator opens it) shows
its dialogs; every other one says in a banner that the run is waiting and goes on working. An
ended run's outcome does not linger under the next one, and "Interrupted" is explained.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from mlprep.client import PrepClient
from tests.console.conftest import Console, OpenConsole
from tests.e2e.server import ServerProcess

SIZES = ["desktop", "phone"]


@pytest.fixture
def tess(prep: PrepClient, instrument: ServerProcess) -> Iterator[PrepClient]:
    """An operator, signed in through the client: the technician at the instrument."""
    prep.add_user("tess", "tess password", "Operator")
    with PrepClient(instrument.base_url, user_name="tess", password="tess password") as client:
        yield client


@pytest.mark.parametrize("size", SIZES)
def test_a_run_started_elsewhere_shows_a_banner_and_leaves_the_console_free(
    open_console: OpenConsole, prep: PrepClient, tess: PrepClient, size: str
) -> None:
    manager = open_console(size).open().sign_in()
    page = manager.page
    expect(page.locator("#live")).to_have_text("Live")
    manager.tab("Counters")

    started = tess.start_procedure(tess.find_procedure("Daily Maintenance").id)

    waiting = page.locator("#waiting")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text(
        "Daily Maintenance (started by tess) is waiting for an answer: “Clear the deck”"
    )
    expect(page.locator("#view-dialog")).to_be_hidden()  # nothing modal: the page works
    page.get_by_role("button", name="Reset Front…").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Reset the four counters of channel Front to zero?")
    confirm.get_by_role("button", name="Cancel").click()
    manager.tab("History")
    expect(page.locator("#history")).to_be_visible()

    waiting.get_by_role("button", name="Open").click()  # the manager chooses to answer
    dialog = page.locator("#view-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Clear the deck")
    expect(waiting).to_be_hidden()
    page.keyboard.press("Escape")  # closes without answering
    expect(dialog).to_be_hidden()
    expect(waiting).to_be_visible()
    run = prep.current_run()
    assert run is not None and run.id == started.run_id
    assert run.open_view is not None and run.open_view.title == "Clear the deck"

    waiting.get_by_role("button", name="Open").click()
    dialog.get_by_role("button", name="Ok").click()
    # Opened once, the run's next views come to this console by themselves.
    expect(dialog.get_by_role("heading")).to_have_text("Empty the tip waste")
    expect(waiting).to_be_hidden()


def test_the_console_that_starts_a_run_gets_its_dialogs_another_gets_the_banner(
    open_console: OpenConsole, prep: PrepClient, tess: PrepClient
) -> None:
    technician = open_console("phone").open().sign_in("tess", "tess password")
    manager = open_console("desktop").open().sign_in()
    expect(manager.page.locator("[data-procedure]")).to_have_count(5)

    technician.page.get_by_role("button", name="Run Daily Maintenance").click()

    own = technician.page.locator("#view-dialog")
    expect(own.get_by_role("heading")).to_have_text("Clear the deck")
    expect(technician.page.locator("#waiting")).to_be_hidden()
    waiting = manager.page.locator("#waiting")
    expect(waiting).to_contain_text("is waiting for an answer: “Clear the deck”")
    expect(manager.page.locator("#view-dialog")).to_be_hidden()

    own.get_by_role("button", name="Ok").click()
    expect(own.get_by_role("heading")).to_have_text("Empty the tip waste")
    expect(waiting).to_contain_text("is waiting for an answer: “Empty the tip waste”")

    technician.page.reload()  # the tab remembers the run it started
    expect(own.get_by_role("heading")).to_have_text("Empty the tip waste")

    prep.abort()
    expect(waiting).to_be_hidden()
    expect(technician.page.locator("#run-outcome")).to_contain_text(
        "Daily Maintenance ended Aborted"
    )


def test_the_last_outcome_goes_when_a_new_run_starts(
    console: Console, prep: PrepClient, tess: PrepClient
) -> None:
    page = console.open().sign_in().page
    page.get_by_role("button", name="Run Weekly Maintenance").click()
    page.locator("#view-dialog").get_by_role("button", name="Abort run").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Abort run").click()
    outcome = page.locator("#run-outcome")
    expect(outcome).to_contain_text("Weekly Maintenance ended Aborted")
    expect(outcome).to_contain_text("The procedure's last execution is unchanged.")

    tess.start_procedure(tess.find_procedure("Daily Maintenance").id)

    expect(page.locator("#run-name")).to_have_text("Daily Maintenance")
    expect(outcome).to_be_hidden()  # the aborted run is history, not news of this one
    prep.abort()
    expect(outcome).to_contain_text("Daily Maintenance ended Aborted")


def test_an_interrupted_run_is_explained_where_it_shows(
    console: Console, prep: PrepClient, instrument: ServerProcess
) -> None:
    page = console.open().sign_in().page
    prep.start_procedure(prep.find_procedure("Channel Calibration Check").id)
    console.tab("Run")
    expect(page.locator("#run-name")).to_have_text("Channel Calibration Check")

    port = instrument.port
    assert instrument.stop() == 0  # the run in progress is Interrupted
    instrument.start(port=port)

    outcome = page.locator("#run-outcome")
    expect(outcome).to_contain_text("Channel Calibration Check ended Interrupted", timeout=20000)
    expect(outcome).to_contain_text("The server stopped while the run was in progress")
    console.tab("History")
    expect(page.locator("#history-list .badge").first).to_have_text("Interrupted")
    legend = page.locator("#history-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("Interrupted")
    expect(legend).to_contain_text("run it again")
