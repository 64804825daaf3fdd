"""What the console shows at 1280×800 and on a 390×844 phone: a sign-in screen with nothing of a
session on it, elements marked `hidden` that really are, and tables whose every value keeps its
column's name when the columns no longer fit.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, expect

from mlprep.client import PrepClient
from tests.console.conftest import Console, OpenConsole

SIZES = ["desktop", "phone"]
# Every element the page marks `hidden` whose rendered box is not empty: none should be.
SHOWN_THOUGH_HIDDEN = """[...document.querySelectorAll('[hidden]')]
    .filter((node) => getComputedStyle(node).display !== 'none' || node.getClientRects().length)
    .map((node) => node.id || node.className || node.tagName)"""


@pytest.mark.parametrize("size", SIZES)
def test_the_sign_in_screen_shows_no_session(open_console: OpenConsole, size: str) -> None:
    console = open_console(size).open()
    page = console.page
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Simulated instrument · PREP-SIM-0001")

    expect(page.get_by_text("Connecting…")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_role("navigation")).to_be_hidden()
    assert page.evaluate(SHOWN_THOUGH_HIDDEN) == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


@pytest.mark.parametrize("size", SIZES)
def test_nothing_hidden_shows_on_any_tab(open_console: OpenConsole, size: str) -> None:
    console = open_console(size).open().sign_in()
    page = console.page
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#live")).to_have_text("Live")
    for tab in ("Procedures", "Run", "History", "Counters", "UV routine", "Simulator", "Audit"):
        console.tab(tab)
        assert page.evaluate(SHOWN_THOUGH_HIDDEN) == [], tab
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, tab


@pytest.mark.parametrize("size", SIZES)
def test_counters_say_which_is_since_reset_and_which_lifetime(
    open_console: OpenConsole, prep: PrepClient, size: str
) -> None:
    prep.simulate_protocol_run(tips=12, transfers=12)
    prep.reset_channel_counters("Front")
    prep.simulate_protocol_run(tips=4, transfers=4)
    console = open_console(size).open().sign_in()
    console.tab("Counters")
    front = console.page.locator("[data-channel='Front'] table")

    expect(front.get_by_role("columnheader", name="Since reset")).to_be_visible()
    expect(front.get_by_role("columnheader", name="Lifetime")).to_be_visible()
    row = front.get_by_role("row", name="Tip pick-ups")
    expect(row.get_by_role("cell")).to_have_text(["4", "16"])
    assert cell_under(front, "Tip pick-ups", "Since reset") == "4"
    assert cell_under(front, "Tip pick-ups", "Lifetime") == "16"


# The cell of a row drawn below a column's header, found by where they are on the screen.
CELL_UNDER = """(table, [row, column]) => {
    const named = (nodes, text) => [...nodes].find((node) => node.textContent === text);
    const header = named(table.querySelectorAll('thead th'), column);
    const rows = table.querySelectorAll('tbody tr');
    const line = [...rows].find((tr) => tr.cells[0].textContent === row);
    const { left, right } = header.getBoundingClientRect();
    const cell = [...line.cells].find((td) => {
        const box = td.getBoundingClientRect();
        return box.left < right && box.right > left;
    });
    return cell ? cell.textContent : null;
}"""


def cell_under(table: Locator, row: str, column: str) -> str | None:
    """The text of the cell that a reader finds below `column`'s header in `row` (asked again
    while the table is being drawn again: live updates replace it)."""
    for _ in range(20):
        text = table.evaluate(CELL_UNDER, [row, column])
        if text is not None:
            return str(text)
        table.page.wait_for_timeout(100)
    return None


def test_on_a_phone_every_audit_value_is_labelled(open_console: OpenConsole) -> None:
    console = open_console("phone").open().sign_in()
    console.tab("Audit")
    first = console.page.locator("#audit-rows tr").first
    expect(first).to_contain_text("login")

    labels = first.locator("td").evaluate_all(
        "(cells) => cells.map((cell) => getComputedStyle(cell, '::before').content)"
    )
    assert labels == ['"When"', '"Who"', '"Action"', '"Target"', '"Outcome"', '"Details"']
    expect(console.page.locator("#audit thead")).to_be_hidden()  # the labels stand in for it
    label_box = first.locator("td").nth(2).bounding_box()
    assert label_box is not None and label_box["width"] <= 390


def test_at_desktop_size_the_audit_keeps_its_header_row(console: Console) -> None:
    console.open().sign_in().tab("Audit")
    page = console.page
    expect(page.locator("#audit-rows tr").first).to_contain_text("login")
    expect(page.get_by_role("columnheader", name="Outcome")).to_be_visible()
    label = page.locator("#audit-rows td").first.evaluate(
        "(cell) => getComputedStyle(cell, '::before').content"
    )
    assert label in ("none", "normal")  # no label repeated in every cell
