"""Security headers, cookies, security.txt and the admin login lockout.

Every public page type is checked for a Content-Security-Policy with a fresh nonce that every
executable script carries; production values come from website.settings.base itself.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from legal.csp import SERVICE_TYPE_HOSTS, merge_hosts
from legal.models import PolicyPage, ServiceType
from newsletter.links import confirmation_token
from newsletter.models import SignupRequest
from tests.legal.publishing import publish
from tests.site.fresh_settings import load_settings

pytestmark = pytest.mark.django_db

# Types a browser runs as JavaScript; anything else in a <script> is data (JSON, JSON-LD).
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


class Markup(HTMLParser):
    """The <script> tags and the style attributes of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.scripts: list[dict] = []
        self.styled: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if "style" in attrs:
            self.styled.append(tag)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def production_settings(*names: str, **env: str) -> dict:
    """Setting values of website.settings.base, read in a fresh interpreter."""
    return load_settings("website.settings.base", names, **env)


@pytest.fixture
def page_types(demo_site):
    """One path per page type; the compare page needs a second privacy version."""
    publish(
        PolicyPage.objects.get(slug="privacy"),
        version_label="2.0",
        effective_date=timezone.localdate(),
    )
    # A signed link to a request: the page asking to confirm renders for any valid one.
    token = confirmation_token(SignupRequest(key="page-type-check"))
    return {
        "home": "/",
        "standard page": "/about/",
        "contact page": "/contact/",
        "policy page": "/privacy/",
        "policy version page": "/privacy/versions/1.0/",
        "compare page": "/privacy/versions/1.0/compare/2.0/",
        "impressum": "/impressum/",
        "lead-magnet page": "/starter-guide/",
        "newsletter page": "/newsletter/",
        "newsletter confirm page": f"/newsletter/confirm/{token}/",
        "404": "/no-such-page/",
    }


def test_every_page_type_has_a_nonce_csp_that_every_script_carries(client, page_types):
    for name, path in page_types.items():
        response = client.get(path)
        assert response.status_code == (404 if name == "404" else 200), name
        policy = directives(response["Content-Security-Policy"])
        nonces = [v for v in policy["script-src"] if v.startswith("'nonce-")]
        assert len(nonces) == 1, name
        nonce = nonces[0][len("'nonce-") : -1]
        assert "'strict-dynamic'" in policy["script-src"]
        assert "'unsafe-inline'" not in policy["script-src"], name
        assert "'unsafe-eval'" not in policy["script-src"], name
        assert policy["style-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        markup = Markup(response.content.decode())
        executable = [s for s in markup.scripts if s.get("type", "") in SCRIPT_TYPES]
        assert executable, f"{name}: the consent manager's script is missing"
        assert [s.get("nonce") for s in executable] == [nonce] * len(executable), name
        # Fixed rather than allowed: no page relies on inline style attributes.
        assert markup.styled == [], f"{name} has style attributes on {markup.styled}"


def test_the_nonce_is_new_in_every_response(client, demo_site):
    first, second = (directives(client.get("/")["Content-Security-Policy"]) for _ in range(2))
    assert first["script-src"] != second["script-src"]


def test_the_recaptcha_loader_carries_the_nonce(client, demo_site, settings):
    settings.RECAPTCHA_PUBLIC_KEY = "public-test-key"
    settings.RECAPTCHA_PRIVATE_KEY = "private-test-key"
    response = client.get("/starter-guide/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    loader = [
        s for s in Markup(response.content.decode()).scripts if "recaptcha" in s.get("src", "")
    ]
    assert loader and loader[0]["nonce"] == nonce


def test_the_editors_userbar_carries_the_nonce(admin_client, demo_site):
    response = admin_client.get("/about/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = [s for s in Markup(response.content.decode()).scripts if "src" in s]
    assert any("userbar" in s["src"] for s in scripts)
    assert {s.get("nonce") for s in scripts} == {nonce}


def test_the_admin_gets_its_own_policy_that_allows_framing_its_preview(admin_client, home_page):
    policy = directives(admin_client.get("/admin/")["Content-Security-Policy"])
    # Wagtail 8's admin still needs inline code; no nonce, or 'unsafe-inline' would be off.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    preview = admin_client.get(f"/admin/pages/{home_page.pk}/view_draft/")
    assert preview.status_code == 200
    assert directives(preview["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]


def test_security_headers_are_sent(client, demo_site):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()", feature
    assert features["interest-cohort"] == "()"


def test_production_sends_hsts_and_upgrades_insecure_requests(demo_site, settings):
    production = production_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "CONTENT_SECURITY_POLICY",
    )
    assert production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"]
    settings.SECURE_HSTS_SECONDS = production["SECURE_HSTS_SECONDS"]
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    settings.SECURE_HSTS_PRELOAD = production["SECURE_HSTS_PRELOAD"]
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_without_tls_redirect_insecure_requests_are_not_upgraded(client, demo_site):
    # dev.py and test.py serve plain HTTP: an upgrade would break every subresource.
    assert "upgrade-insecure-requests" not in client.get("/")["Content-Security-Policy"]
    env = production_settings("CONTENT_SECURITY_POLICY", SECURE_SSL_REDIRECT="false")
    assert not env["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"]


def test_production_cookies_are_secure_httponly_and_samesite(
    demo_site, settings, django_user_model
):
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "COOKIE_CONSENT_SECURE",
    ]
    for name, value in production_settings(*names).items():
        setattr(settings, name, value)
    django_user_model.objects.create_superuser("boss", "boss@example.com", "right-password-1")
    browser = Client()
    login = browser.get("/admin/login/", secure=True)
    signed_in = browser.post(
        "/admin/login/", {"username": "boss", "password": "right-password-1"}, secure=True
    )
    consent = Client().post(
        "/consent/",
        {"action": "reject_all"},
        secure=True,
        HTTP_ORIGIN="https://testserver",
        HTTP_ACCEPT="application/json",
    )
    cookies = {
        "csrftoken": login.cookies["csrftoken"],
        "sessionid": signed_in.cookies["sessionid"],
        "__Host-cookie_consent": consent.cookies["__Host-cookie_consent"],
    }
    for name, cookie in cookies.items():
        assert cookie["secure"] and cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
    # The state cookie is read by consent.js by design: Secure and SameSite, not HttpOnly.
    state = consent.cookies["__Host-consent_state"]
    assert state["secure"] and state["samesite"] == "Lax" and not state["httponly"]


def test_consent_state_cookie_is_secure_in_production_even_over_a_misread_proxy(
    demo_site, settings
):
    settings.COOKIE_CONSENT_SECURE = True
    consent = Client().post(
        "/consent/",
        {"action": "reject_all"},
        HTTP_ORIGIN="http://testserver",
        HTTP_ACCEPT="application/json",
    )
    assert all(cookie["secure"] for cookie in consent.cookies.values())


def test_csp_hosts_come_from_the_service_types_recaptcha_the_bucket_and_the_environment():
    plain = production_settings("CONTENT_SECURITY_POLICY")["CONTENT_SECURITY_POLICY"]
    assert "style-src-attr" not in plain["DIRECTIVES"] or not plain["DIRECTIVES"]["style-src-attr"]
    assert not any("recaptcha" in host for host in plain["DIRECTIVES"]["frame-src"])
    configured = production_settings(
        "CONTENT_SECURITY_POLICY",
        RECAPTCHA_PUBLIC_KEY="public-key",
        CSP_EXTRA_HOSTS="https://cdn.example.com, https://api.example.com",
        AWS_STORAGE_BUCKET_NAME="site-media",
    )["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert "https://www.google.com/recaptcha/" in configured["frame-src"]
    assert configured["style-src-attr"] == ["'unsafe-inline'"]  # the badge (recaptcha#107)
    for directive in ("img-src", "connect-src", "frame-src", "style-src", "font-src"):
        assert "https://cdn.example.com" in configured[directive], directive
    assert "https://site-media.s3.amazonaws.com" in configured["img-src"]
    assert configured["script-src"] == [
        "'self'",
        "csp.constants.NONCE",
        "'strict-dynamic'",
        "https:",
    ]


def test_every_built_in_service_type_has_its_hosts():
    built_in = set(ServiceType.values) - {ServiceType.NONE, ServiceType.CUSTOM}
    assert set(SERVICE_TYPE_HOSTS) == built_in


def test_hosts_a_wildcard_covers_are_listed_once():
    merged = merge_hosts(
        {"img-src": ["https://*.googletagmanager.com"]},
        {"img-src": ["https://www.googletagmanager.com", "https://www.google.com"]},
    )
    assert merged == {"img-src": ["https://*.googletagmanager.com", "https://www.google.com"]}


def test_security_txt_follows_rfc_9116(client, settings):
    response = client.get("/.well-known/security.txt", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:hello@localhost"  # DEFAULT_FROM_EMAIL's address
    assert fields["Canonical"] == "https://testserver/.well-known/security.txt"
    assert fields["Preferred-Languages"] == "en"
    expires = datetime.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ")
    days_ahead = (expires.date() - datetime.datetime.now(datetime.UTC).date()).days
    assert 364 <= days_ahead <= 365  # RFC 9116 §2.5.5: less than a year is recommended

    settings.SECURITY_CONTACT = "https://example.org/security"
    assert (
        b"Contact: https://example.org/security\n"
        in client.get("/.well-known/security.txt").content
    )
    legacy = client.get("/security.txt")
    assert legacy.status_code == 301 and legacy["Location"] == "/.well-known/security.txt"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser(
        "editor", "ed@example.com", "right-password-1"
    )


def sign_in(password, address, username="editor"):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password}
    )


def test_five_wrong_passwords_lock_out_that_account_from_that_address(editor):
    for attempt in range(1, 5):
        assert sign_in("wrong", "203.0.113.7").status_code == 200, attempt
    locked = sign_in("wrong", "203.0.113.7")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Now even the right password is refused, with the same page and no session.
    refused = sign_in("right-password-1", "203.0.113.7")
    assert refused.status_code == 429 and "sessionid" not in refused.cookies
    assert b"Please try again in 60 minutes." in refused.content
    # The lockout page runs no script, so the public policy holds for it too.
    assert not Markup(refused.content.decode()).scripts
    assert "'nonce-" not in refused["Content-Security-Policy"]


def test_a_lockout_leaves_other_addresses_and_accounts_alone(editor, django_user_model):
    django_user_model.objects.create_superuser("other", "o@example.com", "other-password-1")
    for _ in range(5):
        sign_in("wrong", "203.0.113.7")
    elsewhere = sign_in("right-password-1", "198.51.100.20")
    assert elsewhere.status_code == 302 and "sessionid" in elsewhere.cookies
    other_account = sign_in("other-password-1", "203.0.113.7", username="other")
    assert other_account.status_code == 302
