"""Caching and headers: the page cache cannot be filled through the Host header, personal
responses tell every cache to keep away, and static files carry the security headers.

The attacks (R2 3/8): the page cache keyed on the Host header with its port, so requests
for `example.com:1`, `example.com:2`, ... each stored a copy of the same page until the
cache evicted real ones. A signed-in editor's page view (with the userbar) and a page that
sets a cookie went out without `Cache-Control`, so a CDN "cache everything" rule would
have stored them and served them to everyone. Static files got their security headers only
from SecurityMiddleware wrapping WhiteNoise, not from WhiteNoise itself.
"""

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils.cache import cc_delim_re

from website import page_cache
from website.headers import add_static_security_headers
from website.models import StandardPage

pytestmark = pytest.mark.django_db

PAGE = "/about/"


@pytest.fixture
def site(demo_site):
    """The demo site after its first visit (which creates the settings rows its pages read,
    a change that empties the cache), with an empty page cache."""
    Client().get("/")
    caches["pages"].clear()
    return demo_site


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(editor)
    return client


def page_entries() -> list[str]:
    """The keys of the cached pages (the test settings' "pages" cache is local memory)."""
    return [key for key in caches["pages"]._cache if page_cache.ENTRY_PREFIX in key]


def directives(response) -> set[str]:
    return {
        part.strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))
    } - {""}


# --- The page cache key ---------------------------------------------------------------------


def test_made_up_ports_and_letter_cases_share_one_cache_entry(site):
    hosts = ["testserver", "testserver:1", "TestServer:8080", "testserver:31337", "testserver."]
    responses = [Client().get(PAGE, HTTP_HOST=host) for host in hosts]
    assert [response.status_code for response in responses] == [200] * len(hosts)
    assert [response["X-Cache"] for response in responses] == ["miss"] + ["hit"] * 4
    assert len(page_entries()) == 1


def test_host_names_only_a_pattern_admits_are_rendered_but_never_stored(site, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".example.com"]
    for name in ("a", "b", "c"):
        response = Client().get(PAGE, HTTP_HOST=f"{name}.example.com")
        assert response.status_code == 200 and "X-Cache" not in response
    assert page_entries() == []
    assert Client().get(PAGE)["X-Cache"] == "miss"  # a listed name is still cached


def test_a_configured_site_port_keeps_its_own_entry(site, settings):
    """Two Wagtail sites sharing a host name differ by the server's port (Site.port)."""
    settings.PAGE_CACHE_SITE_PORTS = ["8001"]
    assert Client().get(PAGE, SERVER_PORT="8001")["X-Cache"] == "miss"
    assert Client().get(PAGE, SERVER_PORT="8001")["X-Cache"] == "hit"
    assert Client().get(PAGE)["X-Cache"] == "miss"  # port 80: not listed, the bare name
    assert len(page_entries()) == 2


# --- Cache-Control of personal responses ----------------------------------------------------


def test_an_editors_page_view_with_the_userbar_is_private_and_not_stored(editor_client, site):
    response = editor_client.get(PAGE)
    assert response.status_code == 200
    assert "<wagtail-userbar" in response.content.decode()
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_an_anonymous_visitor_keeps_the_public_cache_headers(client, site):
    for expected in ("miss", "hit"):
        response = client.get(PAGE)
        assert response["X-Cache"] == expected
        assert "<wagtail-userbar" not in response.content.decode()
        assert response["Cache-Control"] == "public, max-age=60, s-maxage=300"


def test_previews_and_the_admin_are_private(editor_client, site):
    about = StandardPage.objects.get(slug="about")
    for path in ("/admin/", f"/admin/pages/{about.pk}/edit/preview/"):
        response = editor_client.get(path)
        assert response.status_code == 200, path
        assert {"private", "no-store"} <= directives(response), path


def test_a_response_that_sets_a_cookie_is_private(client, site):
    """The contact form's page hands out a CSRF cookie; a shared copy would hand everyone
    the same one. The consent endpoint sets the visitor's decision."""
    contact = client.get("/contact/")
    assert "csrftoken" in contact.cookies
    assert {"private", "no-store"} <= directives(contact)
    decided = client.post("/consent/", {"action": "reject_all"}, HTTP_ORIGIN="http://testserver")
    assert decided.cookies and {"private", "no-store"} <= directives(decided)


# --- Static files ---------------------------------------------------------------------------

STATIC_FILE = "/static/legal/consent.js"


def test_static_files_carry_nosniff_and_the_referrer_policy(client, settings):
    response = client.get(STATIC_FILE)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY


def test_whitenoise_sets_them_itself_without_security_middleware(settings):
    """WhiteNoise first in the stack (or wrapping the WSGI application, as its docs also
    offer): nothing of Django's runs for a static file, so the headers must be its own."""
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if not name.endswith(".SecurityMiddleware")
    ]
    response = Client().get(STATIC_FILE)  # a new client loads the changed middleware
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_referrer_policy_list_is_sent_as_one_header(settings):
    settings.SECURE_REFERRER_POLICY = ["no-referrer", "strict-origin-when-cross-origin"]
    headers = {}
    add_static_security_headers(headers, "/srv/static/site.css", "/static/site.css")
    assert headers == {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer,strict-origin-when-cross-origin",
    }
