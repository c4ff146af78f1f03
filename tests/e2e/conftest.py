"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server. The `browser` and `page` fixtures are the suite's own (tests/browser.py)."""

import pytest

# Reports every securitypolicyviolation event of every page and frame to Python at once, so
# none is lost when the page navigates or reloads.
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


def decide(page, choice="Reject all"):
    """Answer the cookie banner the way a visitor would, so it no longer covers the page."""
    page.locator(".cc-banner").get_by_role("button", name=choice).click()
    page.locator(".cc-banner").wait_for(state="detached")
