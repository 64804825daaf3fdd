"""A real server, Debian's Chromium driven by Playwright, and pages signed in to the console.

Chromium runs headless with no sandbox (the suite may run as root) and with its background
networking off: the console must need nothing but the server it was loaded from. Each console
opened by `open_console` is a browser context of its own (its own tab storage, as another
browser or another person's screen); none may raise a script error or break its page's
Content-Security-Policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from mlprep.client import PrepClient
from tests.client.conftest import settle
from tests.e2e.server import ServerProcess, serving
from tests.sessions import ADMIN_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Screenshots of every screen (test_screens.py); MLPREP_SCREENSHOTS=docs/console refreshes the
# README's.
SCREENSHOTS = Path(os.environ.get("MLPREP_SCREENSHOTS", "test-artifacts/console"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


# Module scope: Playwright's sync API keeps an event loop running in this thread while it lives,
# and the asyncio tests that run after these need the thread to themselves.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "The console's tests need Debian's Chromium: apt-get install chromium", pytrace=False
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def instrument(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server at speed 20 (a 20 s tip check takes 1 s), shared by a module's tests."""
    data_dir = tmp_path_factory.mktemp("console") / "data"
    with serving(data_dir, "--speed", "20", admin_password=ADMIN_PASSWORD) as server:
        yield server


@pytest.fixture
def prep(instrument: ServerProcess) -> Iterator[PrepClient]:
    """`admin`'s client; the instrument is idle and in its factory state, with one admin."""
    with PrepClient(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as client:
        settle(client)
        client.factory_reset()
        client.clear_faults()
        client.set_uv_routine_settings("Weekly")
        for user in client.users():
            if user.user_name != "admin":
                client.remove_user(user.user_name)
        yield client


class Console:
    """One browser page on the console, with what a test needs to drive it."""

    def __init__(self, page: Page, base_url: str, size: str = "desktop") -> None:
        self.page = page
        self.base_url = base_url
        self.size = size
        self.offsite: list[str] = []
        page.route("**/*", self._only_the_server)

    def _only_the_server(self, route: object) -> None:
        request = route.request  # type: ignore[attr-defined]
        if request.url.startswith(self.base_url) or request.url.startswith("data:"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.offsite.append(request.url)
            route.abort()  # type: ignore[attr-defined]

    def open(self, path: str = "/") -> Console:
        self.page.goto(self.base_url + path)
        return self

    def sign_in(self, user: str = "admin", password: str = ADMIN_PASSWORD) -> Console:
        self.page.get_by_label("User name", exact=True).fill(user)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        return self

    def tab(self, name: str) -> None:
        """Go to one of the console's sections by its link in the navigation, and wait until
        it shows (a hidden section's text is found as well as a shown one's)."""
        link = self.page.get_by_role("navigation").get_by_role("link", name=name, exact=True)
        link.click()
        expect(link).to_have_attribute("aria-current", "page")

    def screenshot(self, name: str, *, full_page: bool = False) -> None:
        """`<name>-<size>.png`: the screen as the user sees it, or the whole page."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=full_page)


OpenConsole = Callable[..., Console]


@pytest.fixture
def open_console(
    browser: Browser, instrument: ServerProcess, prep: PrepClient
) -> Iterator[OpenConsole]:
    """`open_console(size="desktop")`: a new page in a browser context of its own."""
    contexts = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            errors.append(message.text)  # something was refused: the page asked for it

    def open_console(size: str = "desktop") -> Console:
        context = browser.new_context(viewport=SIZES[size])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", on_console)
        return Console(page, instrument.base_url, size)

    yield open_console
    for context in contexts:
        context.close()
    assert errors == [], errors  # no script error, nothing refused, on any page


@pytest.fixture
def console(open_console: OpenConsole) -> Console:
    """One console at desktop size."""
    return open_console()
