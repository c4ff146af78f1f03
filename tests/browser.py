"""What every real-browser test uses: Debian's Chromium driven by Playwright, the demo site on
pytest-django's live server, and a visitor whose requests to other origins are recorded.
Playwright's own browser download does not work here and is not needed.

The fixtures are defined once, for the whole suite (tests/conftest.py imports them): a second
session-wide `sync_playwright()` in the same process refuses to start ("Sync API inside the
asyncio loop"), so tests/e2e/ and tests/security/ must share this one rather than each import it.
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

# The tracking scripts' stand-ins: they set the cookies the real ones would, so a test sees
# what a visitor's browser would have stored.
STAND_INS = {
    "googletagmanager.com/gtag/js": "document.cookie='_ga=GA1.1.42; path=/';"
    "document.cookie='_ga_DEMO12345=GS1.1.42; path=/';",
    "googletagmanager.com/gtm.js": "document.cookie='_gcl_au=1.1.42; path=/';",
    "connect.facebook.net": "document.cookie='_fbp=fb.1.42; path=/';",
}


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


@pytest.fixture
def site_url(live_server, demo_site):
    """The demo site's address on the live server (its default site answers there)."""
    demo_site.hostname, demo_site.port = "localhost", live_server.thread.port
    demo_site.save()
    return live_server.url


class Visitor:
    """A fresh browser context pointed at the live server. Requests to other origins are
    recorded and never leave the machine: the tracking scripts are answered with STAND_INS."""

    def __init__(self, browser, base_url, gpc=False):
        headers = {"Sec-GPC": "1"} if gpc else {}
        self.context = browser.new_context(base_url=base_url, extra_http_headers=headers)
        if gpc:
            self.context.add_init_script(
                "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',"
                " {get: () => true});"
            )
        self.base_url = base_url
        self.foreign = []
        self.own = []
        self.context.route("**/*", self.handle)
        self.page = self.context.new_page()

    def handle(self, route):
        url = route.request.url
        if url.startswith(self.base_url):
            self.own.append(url)
            route.continue_()
            return
        self.foreign.append(url)
        route.fulfill(status=200, content_type="application/javascript", body=self.stand_in(url))

    def stand_in(self, url) -> str:
        """The script an outside request gets instead of the real one."""
        return next((js for marker, js in STAND_INS.items() if marker in url), "")

    def open(self, path):
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")

    def banner_button(self, name):
        return self.page.locator(".cc-banner").get_by_role("button", name=name, exact=True)

    def accept_all(self):
        self.banner_button("Accept all").click()
        self.page.locator(".cc-banner").wait_for(state="detached")
        self.page.wait_for_load_state("networkidle")

    def wait_for_dialog_to_close(self):
        # A function, not an expression string: Playwright evals strings in the page, which
        # the CSP (no 'unsafe-eval') refuses.
        self.page.wait_for_function("() => !document.getElementById('cc-dialog').open")
        self.page.wait_for_load_state("networkidle")

    def cookie_names(self):
        return {cookie["name"] for cookie in self.context.cookies()}

    def local_storage_keys(self):
        return self.page.evaluate("Object.keys(localStorage)")

    def loaded(self, marker):
        return any(marker in url for url in self.foreign)

    def close(self):
        self.context.close()


# Reports every securitypolicyviolation event of every page and frame to Python at once, so
# none is lost when the page navigates or reloads.
# Draftail keeps the structure of what is pasted, as from a web page or a word processor: an
# editor's paste into the first rich-text field, as the browser delivers it (`page.evaluate`).
PASTE = """(html) => {
  const editor = document.querySelector(".Draftail-Editor [contenteditable=true]");
  editor.focus();
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", html.replace(/<[^>]+>/g, " "));
  editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""


CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportCspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
    source: e.sourceFile + ":" + e.lineNumber, page: location.href
  });
});
"""


class CSPWatch:
    """What the Content-Security-Policy refused in one browser context: the violation events
    and the console messages that name the policy. A request the test's routing aborts or
    answers itself is no violation; one the browser refuses under the policy is."""

    def __init__(self, context):
        self.violations: list[dict] = []
        self.console: list[str] = []
        context.expose_function("reportCspViolation", self.record_violation)
        context.add_init_script(CSP_REPORTER)
        context.on("console", self.record_console)

    def record_violation(self, violation: dict):
        self.violations.append(violation)

    def record_console(self, message):
        self.console.append(message.text)
        if "Content Security Policy" in message.text:
            self.violations.append({"console": message.text})


@pytest.fixture
def csp_watch():
    """Starts watching a browser context for CSP violations: `watch = csp_watch(context)`,
    then `assert watch.violations == []`. Attach it before the first navigation."""
    return CSPWatch


def settle(page):
    """Lets the last violation reports reach Python (they arrive with the next round trip)."""
    page.wait_for_load_state("networkidle")
    page.evaluate("new Promise(resolve => setTimeout(resolve, 100))")


def decide(page, choice="Reject all"):
    """Answer the cookie banner the way a visitor would, so it no longer covers the page."""
    page.locator(".cc-banner").get_by_role("button", name=choice).click()
    page.locator(".cc-banner").wait_for(state="detached")
