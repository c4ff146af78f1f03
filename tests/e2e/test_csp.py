"""The enforced Content-Security-Policy in Chromium once tracking runs: after "Accept all" no
page type has a violation, and the tracking code consent.js activates reaches every host its
service type needs. Before a choice and after "Reject all" (nothing loads, nothing is refused)
and an editor's inline script under the nonce: tests/e2e/test_consent.py.

Outside requests are answered by the test (nothing reaches Google or Meta). The stand-ins
behave like the real tags on the wire: they send beacons, pixels and frames to the hosts the
real ones use, so a host missing from the policy shows up as a refused request.
"""

import pytest
from django.utils import timezone

from legal.models import PolicyPage
from newsletter.links import confirmation_token
from newsletter.models import SignupRequest
from tests.browser import Visitor, settle
from tests.legal.publishing import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Home, a policy page and a page with a form.
PAGES = ["/", "/privacy/", "/starter-guide/"]

# What each tag sends once it runs, by the directive that governs it, to the hosts the real
# tag uses (Google's and Meta's CSP guidance; legal/csp.py lists them).
TRAFFIC = {
    "gtag/js?id=G-": [
        ("connect", "https://region1.google-analytics.com/g/collect?v=2&tid=G-DEMO12345"),
        ("img", "https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO12345"),
        ("connect", "https://stats.g.doubleclick.net/g/collect?v=2"),
        ("connect", "https://www.google.com/ccm/collect?tid=G-DEMO12345"),
    ],
    "gtag/js?id=AW-": [
        ("img", "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/123456789/"),
        ("img", "https://www.googleadservices.com/pagead/conversion/123456789/"),
        ("img", "https://www.google.com/pagead/1p-user-list/123456789/"),
        ("connect", "https://pagead2.googlesyndication.com/ccm/collect?en=page_view"),
        ("frame", "https://td.doubleclick.net/td/rul/123456789"),
    ],
    "gtm.js": [
        ("img", "https://www.googletagmanager.com/a?id=GTM-DEMO123"),
        ("connect", "https://www.googletagmanager.com/td?id=GTM-DEMO123"),
    ],
    "fbevents.js": [
        ("img", "https://www.facebook.com/tr/?id=100000000000001&ev=PageView"),
        ("connect", "https://www.facebook.com/tr/"),
        ("script", "https://connect.facebook.net/signals/config/100000000000001"),
    ],
}
MAKE_REQUEST = {
    "img": "new Image().src = {url!r};",
    "connect": "fetch({url!r}, {{method: 'POST', mode: 'no-cors', keepalive: true}});",
    "frame": "var f = document.createElement('iframe'); f.src = {url!r}; f.hidden = true;"
    " document.body.appendChild(f);",
    # A tag's own follow-up script, added by the tag: trusted through 'strict-dynamic'.
    "script": "var s = document.createElement('script'); s.src = {url!r};"
    " document.head.appendChild(s);",
}


def stand_in(requests: list[tuple[str, str]]) -> str:
    """JavaScript that makes the requests a real tag would."""
    return "\n".join(MAKE_REQUEST[kind].format(url=url) for kind, url in requests)


class TaggedVisitor(Visitor):
    """A visitor whose outside requests are answered by stand-ins that send real traffic."""

    def stand_in(self, url) -> str:
        return next((stand_in(r) for marker, r in TRAFFIC.items() if marker in url), "")

    def reached(self, url):
        return url in self.foreign


@pytest.fixture
def tagged(browser, site_url, google_ads, csp_watch):
    visitor = TaggedVisitor(browser, site_url)
    visitor.csp = csp_watch(visitor.context)
    yield visitor
    visitor.close()


@pytest.mark.parametrize("path", PAGES)
def test_accept_all_loads_every_tag_and_its_traffic_without_a_violation(tagged, path):
    tagged.open(path)
    tagged.accept_all()
    settle(tagged.page)
    for marker in ("gtag/js?id=G-DEMO12345", "gtag/js?id=AW-123456789", "gtm.js", "fbevents.js"):
        assert tagged.loaded(marker), marker
    for requests in TRAFFIC.values():
        for kind, url in requests:
            assert tagged.reached(url), f"{kind} {url} was refused"
    assert tagged.csp.violations == []
    # A returning visitor's page runs the same tags at load time, as clean.
    tagged.open(path)
    settle(tagged.page)
    assert tagged.csp.violations == []


def test_every_page_type_runs_its_tags_without_a_violation(tagged):
    publish(
        PolicyPage.objects.get(slug="privacy"),
        version_label="2.0",
        effective_date=timezone.localdate(),
    )
    # A signed link to a request: the page asking to confirm renders for any valid one.
    token = confirmation_token(SignupRequest(key="page-type-check"))
    tagged.open("/")
    tagged.accept_all()
    for path in [
        "/about/",
        "/contact/",
        "/cookies/",
        "/privacy/versions/",
        "/privacy/versions/1.0/",
        "/privacy/versions/1.0/compare/2.0/",
        "/impressum/",
        "/newsletter/",
        f"/newsletter/confirm/{token}/",
        "/consent/",
        "/no-such-page/",
    ]:
        tagged.open(path)
        settle(tagged.page)
        assert tagged.csp.violations == [], path


def test_the_watch_sees_what_the_policy_refuses(tagged):
    """The check above can fail: a pixel to an undeclared host and an inline style attribute
    are refused and reported."""
    tagged.open("/")
    tagged.page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend",
            "<img src='https://evil.example/p.gif'><p style='color: red'>styled</p>")"""
    )
    settle(tagged.page)
    directives = {v.get("directive") for v in tagged.csp.violations}
    blocked = {v.get("blocked") for v in tagged.csp.violations}
    assert "https://evil.example/p.gif" in blocked
    assert {"img-src", "style-src-attr"} <= directives
    assert not any("evil.example" in url for url in tagged.foreign)
