"""The public site: pages render, errors are friendly, crawlers and load balancers are served."""

from unittest import mock

import pytest
from django.db import DatabaseError
from wagtail.models import Site

from website.models import ContactPage, SiteSettings

pytestmark = pytest.mark.django_db


def test_home_page_renders_hero_and_footer(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello from a test creator" in html
    assert '<footer class="site-footer">' in html
    assert 'href="#main"' in html  # skip link for keyboard users


def test_pages_make_no_third_party_requests(client, demo_site):
    """Fonts, icons, styles and scripts are all self-hosted: nothing that loads by itself points
    at another host (links a visitor may click are fine)."""
    import re

    # Elements that make the browser fetch by themselves; rel=canonical is only metadata.
    loads = re.compile(
        r"<(?:script|img|iframe|link(?![^>]*rel=\"canonical\")|source|video|audio|embed|object)"
        r"\b[^>]*?\b(?:src|href|data)=\"(https?:)?//([^/\"]+)",
        re.I,
    )
    pages = [
        "/",
        "/about/",
        "/contact/",
        "/privacy/",
        "/cookies/",
        "/impressum/",
        "/privacy/versions/1.0/",
        "/does-not-exist/",
    ]
    for path in pages:
        html = client.get(path).content.decode()
        hosts = {host for _scheme, host in loads.findall(html)}
        assert hosts <= {"localhost", "testserver"}, f"{path} loads from {hosts}"


def test_footer_links_to_the_legal_pages_from_site_settings(client, demo_site):
    html = client.get("/about/").content.decode()
    for label, path in [
        ("Privacy policy", "/privacy/"),
        ("Cookie policy", "/cookies/"),
        ("Impressum", "/impressum/"),
    ]:
        assert f'<a href="{path}">{label}</a>' in html


def test_footer_skips_a_legal_page_that_is_unpublished(client, demo_site):
    settings = SiteSettings.for_site(demo_site)
    settings.impressum_page.specific.unpublish()
    html = client.get("/").content.decode()
    assert ">Impressum</a>" not in html
    assert ">Privacy policy</a>" in html


def test_missing_page_gets_the_friendly_404(client, demo_site):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<footer class="site-footer">' in html


def test_server_error_page_renders_without_the_database(client, demo_site, settings):
    from django.views.defaults import server_error

    request = client.get("/").wsgi_request
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError("down")
    ):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_robots_txt_points_at_the_sitemap(client, demo_site):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_sitemap_lists_live_pages(client, demo_site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    root_url = Site.objects.get(is_default_site=True).root_url
    for path in ["/", "/about/", "/contact/", "/impressum/"]:
        assert f"<loc>{root_url}{path}</loc>" in body


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=DatabaseError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_contact_form_stores_the_submission(client, demo_site):
    contact = ContactPage.objects.get()
    fields = {field.clean_name: field for field in contact.form_fields.all()}
    assert set(fields) == {"your_name", "your_e_mail_address", "message"}
    response = client.post(
        "/contact/",
        {
            "your_name": "Ada",
            "your_e_mail_address": "ada@example.com",
            "message": "Hello!",
        },
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    submission = contact.get_submission_class().objects.get(page=contact)
    assert submission.get_data()["message"] == "Hello!"


def test_contact_form_errors_are_shown_next_to_the_field(client, demo_site):
    response = client.post("/contact/", {"your_name": "Ada", "your_e_mail_address": "not-mail"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_your_e_mail_address_error"' in html
    assert 'aria-invalid="true"' in html
    assert ContactPage.objects.get().get_submission_class().objects.count() == 0
