"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server. Playwright's own browser download does not work here and is not needed."""

import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        # A missing browser is a broken set-up, not a reason to skip: `make test` installs it.
        pytest.fail("Chromium not found: run `make test`, which installs Debian's chromium.")
    return path


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def decide(page, choice="Reject all"):
    """Answer the cookie banner the way a visitor would, so it no longer covers the page."""
    page.locator(".cc-banner").get_by_role("button", name=choice).click()
    page.locator(".cc-banner").wait_for(state="detached")
