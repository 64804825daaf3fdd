"""The console in a real browser against a real server: an operator signs in, sees the five
procedures, runs Weekly Maintenance answering every view, recovers from a fault, watches the
counters move live, resets a channel, changes the UV routine; an administrator advances the
clock and every open console sees the procedures fall due; an operator never sees the simulator.
"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from mlprep.api.routes.docs import ASSETS
from mlprep.client import Answer, PrepClient
from tests.console.conftest import Console
from tests.e2e.server import ServerProcess

PROCEDURES = [
    "Daily Maintenance",
    "Weekly Maintenance",
    "UV Decontamination",
    "HEPA Filter Check",
    "Channel Calibration Check",
]


def test_sign_in_shows_the_five_procedures_expired_first(console: Console) -> None:
    page = console.open().page
    expect(page.get_by_role("note")).to_contain_text("Simulated instrument")

    console.sign_in()

    cards = page.locator("[data-procedure]")
    expect(cards).to_have_count(5)
    names = cards.locator("h3").all_inner_texts()
    assert sorted(name.split("\n")[0] for name in names) == sorted(PROCEDURES)
    expect(cards.first.locator(".badge")).to_have_text("Expired")
    first = cards.first.locator("dd")
    expect(first).to_have_text(["never", "now"])  # last executed, due
    expect(page.locator("#live")).to_have_text("Live")
    assert console.offsite == []


def test_a_wrong_password_and_a_lockout_are_said_plainly(
    console: Console, prep: PrepClient
) -> None:
    prep.add_user("lena", "lenas password", "Operator")
    page = console.open().page

    console.sign_in("lena", "wrong password")
    expect(page.locator("#sign-in-message")).to_have_text("The user name or password is wrong.")
    for _ in range(4):
        console.sign_in("lena", "wrong password")
    console.sign_in("lena", "lenas password")

    expect(page.locator("#sign-in-message")).to_contain_text(
        "This account is locked after too many failed sign-ins. Try again in 10 minutes"
    )


def test_an_operator_runs_weekly_maintenance_answering_every_view(
    console: Console, prep: PrepClient
) -> None:
    page = console.open().sign_in().page

    page.get_by_role("button", name="Run Weekly Maintenance").click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Clean both tip adapters")
    expect(dialog.locator("img")).to_have_attribute("src", re.compile("weekly-clean-tip-adapters"))
    dialog.get_by_role("button", name="Ok").click()
    expect(page.locator("#action")).to_be_visible()  # a leak check runs, with its time left
    expect(page.locator("#action-left")).to_contain_text(re.compile("left|Finishing"))
    expect(dialog.get_by_role("heading")).to_have_text("Cleaning agent lot number", timeout=15000)
    dialog.get_by_role("button", name="Ok").click()  # nothing entered yet: refused
    expect(dialog.locator("#view-error")).to_have_text("Enter the cleaning agent lot number first.")
    dialog.get_by_label("Cleaning agent lot number").fill("LOT-2026-11")
    dialog.get_by_role("button", name="Ok").click()

    expect(page.locator("#run-outcome")).to_contain_text("Weekly Maintenance ended Completed")
    run = prep.runs().items[0]
    assert run.state.value == "Completed"
    assert prep.run(run.id).inputs == {"Cleaning agent lot number": "LOT-2026-11"}
    console.tab("Procedures")
    weekly = page.locator("[data-procedure='Weekly Maintenance']")
    expect(weekly.locator(".badge")).to_have_text("Ok")
    console.tab("History")
    page.locator("#history-list summary").first.click()
    expect(page.locator("#history-list")).to_contain_text("Cleaning agent lot number: LOT-2026-11")


def test_a_planned_fault_is_retried_from_the_error_dialog(
    console: Console, prep: PrepClient
) -> None:
    prep.plan_fault("tip_check", "Front", "No tip detected")
    page = console.open().sign_in().page
    page.get_by_role("button", name="Run Daily Maintenance").click()
    dialog = page.get_by_role("dialog")
    for title in ("Clear the deck", "Empty the tip waste"):
        expect(dialog.get_by_role("heading")).to_have_text(title)
        dialog.get_by_role("button", name="Ok").click()

    expect(dialog.get_by_role("heading")).to_have_text("Maintenance error", timeout=15000)
    expect(dialog).to_contain_text("No tip detected")
    expect(dialog).to_contain_text("Retry repeats the failed action")
    expect(page.locator("#live")).to_have_text("Live")  # an error event is not a lost stream
    dialog.get_by_role("button", name="Retry").click()
    expect(dialog.get_by_role("heading")).to_have_text("Deck wiped?", timeout=15000)
    dialog.get_by_role("button", name="Yes").click()

    expect(page.locator("#run-outcome")).to_contain_text("Daily Maintenance ended Completed")
    expect(page.locator("#run-outcome")).to_contain_text(
        "Tip pick-up and eject check, Front: No tip detected (retried)"
    )


def test_run_buttons_wait_while_a_run_is_active_and_abort_is_always_reachable(
    console: Console, prep: PrepClient
) -> None:
    watcher = console.open().sign_in().page
    prep.start_procedure(prep.find_procedure("HEPA Filter Check").id)  # started elsewhere
    expect(watcher.get_by_role("button", name="Run Daily Maintenance")).to_be_disabled()
    expect(watcher.locator("#run-blocked")).to_have_text(
        "A run is in progress: HEPA Filter Check. Wait for it to end, or abort it on the Run page."
    )
    prep.abort()
    expect(watcher.get_by_role("button", name="Run Daily Maintenance")).to_be_enabled()

    page = watcher
    page.get_by_role("button", name="Run Daily Maintenance").click()
    dialog = page.locator("#view-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Clear the deck")

    dialog.get_by_role("button", name="Abort run").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Abort run").click()

    expect(page.locator("#run-outcome")).to_contain_text("Daily Maintenance ended Aborted")
    assert prep.current_run() is None


def test_counters_move_live_during_a_run(console: Console, prep: PrepClient) -> None:
    page = console.open().sign_in().page
    console.tab("Counters")
    front = page.locator("[data-channel='Front'] [data-counter='tipPickUpCounter']")
    expect(front).to_have_text("0")

    daily = prep.find_procedure("Daily Maintenance")
    prep.start_procedure(daily.id)
    for _ in range(2):
        view = wait_for_view(prep)
        prep.close_view(view, "Ok")

    expect(front).to_have_text("1", timeout=15000)  # no reload: the event stream said so
    expect(page.locator("#usage-chart svg")).to_be_visible()
    prep.close_view(wait_for_view(prep), "Yes")


def wait_for_view(prep: PrepClient) -> str:
    import time

    for _ in range(600):
        run = prep.current_run()
        if run is not None and run.open_view is not None:
            return run.open_view.view_id
        time.sleep(0.05)
    raise AssertionError("no view opened")


def test_reset_rear_through_the_confirmation(console: Console, prep: PrepClient) -> None:
    prep.set_channel_counters("Rear", tipPickUpCounter=40, aspirateCounter=7)
    page = console.open().sign_in().page
    console.tab("Counters")
    rear = page.locator("[data-channel='Rear'] [data-counter='tipPickUpCounter']")
    expect(rear).to_have_text("40")

    page.get_by_role("button", name="Reset Rear…").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Reset the four counters of channel Rear to zero?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(rear).to_have_text("40")
    page.get_by_role("button", name="Reset Rear…").click()
    confirm.get_by_role("button", name="Reset Rear").click()

    expect(rear).to_have_text("0")
    assert prep.channel_counters()[1].tip_pick_up_counter == 0


def test_the_uv_routine_is_changed_from_the_options_the_server_lists(
    console: Console, prep: PrepClient
) -> None:
    page = console.open().sign_in().page
    console.tab("UV routine")
    select = page.get_by_label("Run UV decontamination")
    assert select.locator("option").all_inner_texts() == [
        o.description for o in prep.uv_routine_interval_options()
    ]

    select.select_option("Daily")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#uv-message")).to_have_text("Saved: Daily.")
    assert prep.uv_routine_settings().interval.value == "Daily"


def test_advancing_the_clock_turns_procedures_expired_on_every_open_console(
    console: Console, prep: PrepClient, browser: object, instrument: ServerProcess
) -> None:
    prep.add_user("omar", "omars password", "Operator")
    for name in PROCEDURES:
        prep.run_procedure(name, answer_everything)
    watcher = console.open().sign_in("omar", "omars password").page
    expect(watcher.locator("[data-procedure] .badge", has_text="Expired")).to_have_count(0)

    admin_page = console.page.context.new_page()
    admin = Console(admin_page, instrument.base_url).open()
    # A second sign-in in the same browser shares the tab storage only within a tab.
    admin.sign_in()
    admin.tab("Simulator")
    admin_page.get_by_label("Days").fill("2")
    admin_page.get_by_role("button", name="Advance").click()
    expect(admin_page.locator("#advance-message")).to_have_text("Clock advanced.")

    daily = watcher.locator("[data-procedure='Daily Maintenance'] .badge")
    expect(daily).to_have_text("Expired")  # no reload: the simulator's stream said so
    weekly = watcher.locator("[data-procedure='Weekly Maintenance'] .badge")
    expect(weekly).to_have_text("Ok")


def answer_everything(prompt: object) -> Answer:
    view = prompt.view  # type: ignore[attr-defined]
    if view.input_required:
        return Answer("Ok", "LOT")
    return Answer("Yes" if "Yes" in [r.value for r in view.results] else "Ok")


def test_an_operator_sees_no_simulator_users_or_audit(console: Console, prep: PrepClient) -> None:
    prep.add_user("otto", "ottos password", "Operator")
    page = console.open().sign_in("otto", "ottos password").page
    expect(page.locator("[data-procedure]")).to_have_count(5)

    for name in ("Simulator", "Users", "Audit"):
        expect(page.get_by_role("link", name=name)).to_be_hidden()
    page.goto(console.base_url + "/#simulator")
    expect(page.locator("#simulator")).to_be_hidden()
    expect(page.locator("#procedures")).to_be_visible()
    console.tab("Counters")
    expect(page.get_by_role("button", name="Reset Front…")).to_be_disabled()


def test_an_administrator_manages_users_and_reads_the_audit_trail(
    console: Console, prep: PrepClient
) -> None:
    page = console.open().sign_in().page
    console.tab("Users")
    page.get_by_label("New user's name").fill("uma")
    page.get_by_label("New user's password (at least 8 characters)").fill("umas password")
    page.get_by_label("New user's role").select_option("Service")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#users-message")).to_have_text("Added uma.")
    page.get_by_label("Role of uma").select_option("Administrator")
    expect(page.locator("#users-message")).to_have_text("uma is now Administrator.")
    assert prep.user("uma").role.value == "Administrator"

    console.tab("Audit")
    page.get_by_label("Action", exact=True).select_option("user.role")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#audit-rows tr").first).to_contain_text("uma")


def test_signing_out_ends_the_session(console: Console, prep: PrepClient) -> None:
    page = console.open().sign_in().page
    expect(page.locator("[data-procedure]")).to_have_count(5)

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator("#sign-in-message")).to_have_text("You have signed out.")
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_the_console_fits_a_360_pixel_screen(console: Console) -> None:
    page = console.page
    page.set_viewport_size({"width": 360, "height": 740})
    console.open().sign_in()
    expect(page.locator("[data-procedure]")).to_have_count(5)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0


def test_every_control_is_labelled_and_reachable_by_keyboard(console: Console) -> None:
    page = console.open().page
    expect(page.get_by_label("User name", exact=True)).to_be_focused()  # ready to type
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(__import__("tests.sessions").sessions.ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-procedure]")).to_have_count(5)
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Procedures")).to_be_focused()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Run")).to_be_focused()
    page.get_by_role("button", name="Run Daily Maintenance").focus()
    page.keyboard.press("Enter")  # buttons work from the keyboard
    expect(page.get_by_role("dialog").get_by_role("button", name="Ok")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog").get_by_role("heading")).to_have_text("Empty the tip waste")

    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select')].filter(
            (e) => !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.id)"""
    )
    assert unlabelled == []


def test_keyboard_focus_stays_on_its_button_when_the_list_is_drawn_again(
    console: Console, prep: PrepClient
) -> None:
    page = console.open().sign_in().page
    expect(page.locator("[data-procedure]")).to_have_count(5)
    expect(page.locator("#live")).to_have_text("Live")
    page.evaluate(
        """new MutationObserver(() => { document.body.dataset.redrawn = "yes"; })
            .observe(document.querySelector('#procedure-list'), { childList: true });"""
    )
    page.get_by_role("button", name="Run Weekly Maintenance").focus()

    prep.set_uv_routine_settings("Daily")  # every console reads the procedures again

    expect(page.locator("body")).to_have_attribute("data-redrawn", "yes")
    expect(page.get_by_role("button", name="Run Weekly Maintenance")).to_be_focused()
    page.keyboard.press("Enter")  # starts what the user aimed at, after the redraw
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Clean both tip adapters")


def test_the_console_and_its_assets_carry_security_headers(instrument: ServerProcess) -> None:
    for path in ("/", "/console/console.js", "/console/console.css", "/docs", "/redoc"):
        response = httpx.get(instrument.base_url + path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src" in policy, path
        assert response.headers["x-content-type-options"] == "nosniff"
    console_policy = httpx.get(instrument.base_url + "/").headers["content-security-policy"]
    assert "'unsafe-inline'" not in console_policy


def test_the_api_docs_render_with_no_network(console: Console) -> None:
    page = console.page
    logged: list[str] = []
    page.on("console", lambda message: logged.append(f"{message.type}: {message.text}"))
    console.open("/docs")
    expect(page.get_by_text("ML Prep API (v1) - mlprep").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    console.open("/redoc")
    expect(page.get_by_role("heading", name="ML Prep API (v1) - mlprep")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Maintenance")).to_be_visible()
    logo = page.get_by_role("img", name="redocly logo")
    expect(logo).to_have_attribute("src", "/docs-assets/redoc-logo-mini.svg")
    assert logo.evaluate("(image) => image.complete && image.naturalWidth > 0")  # it loaded
    assert console.offsite == []
    assert [line for line in logged if line.startswith("error")] == []


def test_the_docs_assets_name_nothing_to_fetch_from_elsewhere() -> None:
    bundle = (ASSETS / "redoc.standalone.js").read_text()
    assert "cdn.redoc.ly" not in bundle  # its logo is ours (routes/docs.py says why)
    assert (ASSETS / "redoc-logo-mini.svg").exists()


def test_a_dropped_stream_shows_reconnecting_and_comes_back_live(
    console: Console, prep: PrepClient, instrument: ServerProcess
) -> None:
    page = console.open().sign_in().page
    console.tab("Counters")
    live = page.locator("#live")
    expect(live).to_have_text("Live")

    port = instrument.port
    assert instrument.stop() == 0
    expect(live).to_have_text("Reconnecting…")
    instrument.start(port=port)

    expect(live).to_have_text("Live", timeout=20000)
    prep.simulate_protocol_run(tips=3, transfers=3)  # seen live on the new connection
    front = page.locator("[data-channel='Front'] [data-counter='tipPickUpCounter']")
    expect(front).to_have_text("3")
