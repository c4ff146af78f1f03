"""The consent cookie cannot be planted from a sibling subdomain.

The attack (R2 3/8): consent.js applies whatever choice the `consent_state` cookie holds,
and the server took the consent id from it. Any host under the same site
(`evil.example.com`, a forgotten staging box, a user-content subdomain) can set a cookie
with `Domain=example.com`, which the browser then sends to `www.example.com` too. So a
sibling could plant its own, validly signed, "accept all" in every visitor's browser:
trackers load without the visitor's consent, and their later decisions land under the
attacker's consent id.

In production the cookies are named `__Host-consent_state` and `__Host-cookie_consent`.
Browsers keep a `__Host-` cookie only when it is Secure, comes from an HTTPS page, has
Path=/ and no Domain, so a sibling cannot set one for another host, and a cookie under the
bare name is read by neither consent.js nor the server.
"""

import re

import pytest
from django.core import signing
from django.test import Client
from wagtail.models import Site

from legal.consent import SIGNING_SALT, read_state
from legal.models import ConsentRecord
from tests.browser import Visitor

PRODUCTION = {"HTTP_ORIGIN": "https://testserver", "HTTP_ACCEPT": "application/json"}
STATE = "__Host-consent_state"
MIRROR = "__Host-cookie_consent"


@pytest.fixture
def production(settings):
    """Consent cookies as production sets them (COOKIE_CONSENT_SECURE follows
    SESSION_COOKIE_SECURE, on by default)."""
    settings.COOKIE_CONSENT_SECURE = True
    return settings


def decide(client, action="accept_all"):
    response = client.post("/consent/", {"action": action}, secure=True, **PRODUCTION)
    assert response.status_code == 200
    return response


def checked_categories(response) -> list[str]:
    """The categories the consent settings page shows as switched on."""
    switches = re.findall(r'<input[^>]*name="categories"[^>]*>', response.content.decode())
    assert switches
    return [re.search(r'value="([^"]+)"', s).group(1) for s in switches if " checked" in s]


def attackers_own_state() -> str:
    """A genuine, signed "accept all", as the attacker gets it from their own browser."""
    return decide(Client()).cookies[STATE].value


@pytest.mark.django_db
def test_production_consent_cookies_are_host_prefixed_secure_and_host_only(production, demo_site):
    response = decide(Client())
    for name in (STATE, MIRROR):
        cookie = response.cookies[name]
        assert cookie.value, name
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"], name
        assert cookie["samesite"] == "Lax", name
    assert response.cookies[MIRROR]["httponly"] and not response.cookies[STATE]["httponly"]
    assert signing.loads(response.cookies[STATE].value, salt=SIGNING_SALT)["g"]
    # The bare names of earlier releases are expired, not left to linger.
    for old_name in ("consent_state", "cookie_consent"):
        assert response.cookies[old_name]["max-age"] == 0 and not response.cookies[old_name].value
    assert set(response.cookies) == {STATE, MIRROR, "consent_state", "cookie_consent"}


@pytest.mark.django_db
def test_pages_tell_consent_js_the_prefixed_name(production, demo_site):
    html = Client().get("/", secure=True).content.decode()
    assert f'"cookie": "{STATE}"' in html  # the script's configuration (consent_tags.py)
    assert '"cookie": "consent_state"' not in html


@pytest.mark.django_db
def test_the_prefixed_cookie_carries_the_decision_from_one_request_to_the_next(
    production, demo_site
):
    visitor = Client()
    first = decide(visitor).json()["consent_id"]
    assert decide(visitor, "reject_all").json()["consent_id"] == first


@pytest.mark.django_db
def test_a_choice_planted_under_the_bare_name_is_no_decision_in_production(
    production, demo_site, rf
):
    planted = attackers_own_state()
    attacker_id = signing.loads(planted, salt=SIGNING_SALT)["id"]
    # A sibling's `Domain=` cookie arrives like any other: by its name in the Cookie header.
    assert read_state(rf.get("/", HTTP_COOKIE=f"consent_state={planted}")) is None

    victim = Client()
    victim.cookies["consent_state"] = planted
    assert checked_categories(victim.get("/consent/", secure=True)) == []
    own_id = decide(victim, "reject_all").json()["consent_id"]
    assert own_id != attacker_id
    assert ConsentRecord.objects.filter(consent_id=attacker_id).count() == 1  # theirs only

    # Under the bare name (dev, test, and production before the prefix) the same cookie
    # was the visitor's decision: the attack this prevents.
    production.COOKIE_CONSENT_SECURE = False
    assert read_state(rf.get("/", HTTP_COOKIE=f"consent_state={planted}"))["id"] == attacker_id
    before = Client()
    before.cookies["consent_state"] = planted
    assert checked_categories(before.get("/consent/")) == ["preferences", "statistics", "marketing"]


# --- In Chromium ----------------------------------------------------------------------------

# Chromium resolves every *.localhost name to this machine and treats it as potentially
# trustworthy, so it stores Secure and `__Host-` cookies over plain HTTP there, and applies
# their rules: www. and evil. are sibling hosts of site.localhost, as on a real domain.
SITE = "www.site.localhost"
SIBLING = "evil.site.localhost"


@pytest.fixture
def site_url(live_server, demo_site, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, SITE]
    port = live_server.thread.port
    Site.objects.filter(pk=demo_site.pk).update(hostname=SITE, port=port)
    return f"http://{SITE}:{port}"


def plant_from_sibling(visitor, site_url, state: str) -> None:
    """A page on the sibling host sets the attacker's signed choice for the whole domain,
    under the bare name and under the prefixed one."""
    sibling_url = site_url.replace(SITE, SIBLING)
    script = "".join(
        f"document.cookie = {cookie!r};"
        for cookie in (
            f"consent_state={state}; Path=/; Domain=site.localhost; Max-Age=3600",
            f"{STATE}={state}; Secure; Path=/; Domain=site.localhost; Max-Age=3600",
        )
    )
    visitor.context.route(
        f"{sibling_url}/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=f"<script>{script}</script>"
        ),
    )
    visitor.page.goto(f"{sibling_url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("secure", [False, True], ids=["bare name (before)", "__Host- name"])
def test_a_sibling_subdomain_cannot_plant_a_choice_in_chromium(browser, site_url, settings, secure):
    settings.COOKIE_CONSENT_SECURE = secure
    name = STATE if secure else "consent_state"
    state = decide(Client()).cookies[name].value
    visitor = Visitor(browser, site_url)
    try:
        plant_from_sibling(visitor, site_url, state)
        visitor.open("/")
        planted = {c["name"]: c["domain"] for c in visitor.context.cookies(site_url)}
        assert planted.get("consent_state") == ".site.localhost"
        if not secure:
            # Before: consent.js took the planted choice for the visitor's own.
            assert visitor.page.locator(".cc-banner").count() == 0
            assert visitor.loaded("gtag/js") and visitor.loaded("fbevents.js")
            return
        # Chromium refused the prefixed cookie with a Domain; the bare one is ignored.
        assert STATE not in planted
        assert visitor.page.locator(".cc-banner").is_visible()
        assert visitor.foreign == []

        # The visitor's own decision works under the prefix: host-only, Secure, Path=/.
        visitor.accept_all()
        own = next(c for c in visitor.context.cookies(site_url) if c["name"] == STATE)
        assert own["domain"] == SITE and own["secure"] and own["path"] == "/"
        visitor.foreign.clear()
        visitor.open("/about/")
        assert visitor.page.locator(".cc-banner").count() == 0
        assert visitor.loaded("gtag/js")
    finally:
        visitor.close()
