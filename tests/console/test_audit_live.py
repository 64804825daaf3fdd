"""The Audit tab stays current while it is shown: after an action taken elsewhere that the event
stream announces (read again at once), and after one it does not (a sign-in: read again within
the tab's poll), with its filter kept.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mlprep.client import PrepClient
from tests.console.conftest import OpenConsole
from tests.e2e.server import ServerProcess

SIZES = ["desktop", "phone"]


@pytest.mark.parametrize("size", SIZES)
def test_an_action_elsewhere_appears_in_the_open_audit_tab(
    open_console: OpenConsole, prep: PrepClient, instrument: ServerProcess, size: str
) -> None:
    prep.add_user("tess", "tess password", "Operator")
    console = open_console(size).open().sign_in()
    page = console.page
    expect(page.locator("#live")).to_have_text("Live")
    console.tab("Audit")
    rows = page.locator("#audit-rows tr")
    expect(rows.first).to_contain_text("login")

    with PrepClient(instrument.base_url, user_name="tess", password="tess password") as tess:
        tess.start_procedure(tess.find_procedure("Daily Maintenance").id)
        expect(rows.first).to_contain_text("maintenance.start")
        expect(rows.first).to_contain_text("tess")
        expect(rows.first).to_contain_text("Daily Maintenance")
        tess.abort()
        expect(rows.first).to_contain_text("maintenance.abort")


def test_a_sign_in_elsewhere_appears_and_the_filter_is_kept(
    open_console: OpenConsole, prep: PrepClient, instrument: ServerProcess
) -> None:
    prep.add_user("uma", "umas password", "Operator")
    console = open_console().open().sign_in()
    page = console.page
    console.tab("Audit")
    rows = page.locator("#audit-rows tr")
    expect(rows.first).to_contain_text("admin")

    with PrepClient(instrument.base_url, user_name="uma", password="umas password") as uma:
        uma.procedures()  # signed in: audited, and announced by no event
        expect(rows.first).to_contain_text("uma", timeout=25000)  # within the 15 s poll
        expect(rows.first).to_contain_text("login")

        page.get_by_label("Action", exact=True).select_option("maintenance.start")
        expect(page.locator("#audit-count")).to_contain_text("for maintenance.start")
        uma.start_procedure(uma.find_procedure("Weekly Maintenance").id)
        expect(rows.first).to_contain_text("Weekly Maintenance")
        expect(rows.filter(has_not_text="maintenance.start")).to_have_count(0)  # as filtered
        uma.abort()
