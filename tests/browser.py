"""Real-browser fixtures for every test directory: Debian's Chromium driven by Playwright.
Playwright's own browser download does not work here and is not needed.

Defined once, for the whole suite (tests/conftest.py imports them): a second session-wide
`sync_playwright()` in the same process refuses to start ("Sync API inside the asyncio
loop"), so tests/e2e/ and tests/security/ must share this one rather than each import it.
"""

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
